import ArgumentParser
import DockerEngine
import Foundation
import Logging
import ZunAPI
import ZunCore
import ZunScheduler
import ZunStore

/// Reads an environment variable.
func env(_ name: String) -> String? { ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 } }

/// Options every server role shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error (env ZUN_LOG_LEVEL).")
    var logLevel: String = env("ZUN_LOG_LEVEL") ?? "info"

    @Option(help: "Seconds without a heartbeat after which a compute host is down (env ZUN_SERVICE_DOWN_TIME).")
    var serviceDownTime: Double = env("ZUN_SERVICE_DOWN_TIME").flatMap(Double.init) ?? 15

    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        return logger
    }
}

/// Splits `HOST:PORT` (IPv6 hosts may be bracketed).
func parseListen(_ value: String) throws -> (String, Int) {
    guard let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]) else {
        throw ValidationError("listen address must be HOST:PORT, got \(value)")
    }
    return (String(value[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
}

/// Parses `--database`.
func storeLocation(_ value: String) throws -> StoreLocation {
    do {
        return try StoreLocation(value)
    } catch {
        throw ValidationError("\(error)")
    }
}

/// The compute host and its Docker engine (`zun dev`, `zun compute`).
struct EngineOptions: ParsableArguments {
    @Option(help: "Name of this compute host (env ZUN_HOST_NAME).")
    var hostName: String = env("ZUN_HOST_NAME") ?? ProcessInfo.processInfo.hostName

    @Option(help: "Docker Engine endpoint (env ZUN_DOCKER_HOST, else DOCKER_HOST).")
    var dockerHost: String = env("ZUN_DOCKER_HOST") ?? env("DOCKER_HOST") ?? "unix:///var/run/docker.sock"

    @Option(help: "Host address that containers' exposed ports are published on (env ZUN_PUBLISH_HOST).")
    var publishHost: String = env("ZUN_PUBLISH_HOST") ?? "127.0.0.1"

    /// Connects to the engine, or exits saying what to start.
    func connect(logger: Logger) async throws -> DockerClient {
        do {
            return try await DockerClient.connect(endpoint: dockerHost, logger: logger)
        } catch {
            logger.critical("no Docker engine answers; start one or pass --docker-host", metadata: ["docker_host": "\(dockerHost)", "error": "\(error)"])
            throw ExitCode.failure
        }
    }
}

/// The cluster key of the API replicas (docs/node-protocol.md, "Console, exec and log relay").
struct NodeSecretOption: ParsableArguments {
    @Option(name: .customLong("node-secret-file"), help: "File holding the cluster key that each compute node's endpoint key is derived from (env ZUN_NODE_SECRET_FILE; or the key itself in env ZUN_NODE_SECRET). Only API replicas hold it. Never on the command line: every local user can read it there.")
    var nodeSecretFileOption: String?
    /// The option, else its environment variable (an Optional option may not have a default value).
    var nodeSecretFile: String? { nodeSecretFileOption ?? env("ZUN_NODE_SECRET_FILE") }

    /// The node secret from `--node-secret-file` or `ZUN_NODE_SECRET`; refused when missing or shorter than
    /// `NodeCallProtocol.minimumSecretLength`, so that no node's key is derived from a guessable (or empty) one.
    func nodeSecret() throws -> String {
        let secret: String
        if let path = nodeSecretFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read the node secret file \(path)")
            }
            secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        } else if let value = env("ZUN_NODE_SECRET") {
            secret = value
        } else {
            throw ValidationError("a node secret is required: put it in a file named by --node-secret-file (or ZUN_NODE_SECRET_FILE), or in ZUN_NODE_SECRET")
        }
        guard secret.utf8.count >= NodeCallProtocol.minimumSecretLength else {
            throw ValidationError("the node secret must be at least \(NodeCallProtocol.minimumSecretLength) bytes long")
        }
        return secret
    }
}

/// The shared database of the API replicas and the admin commands that work on it.
struct DatabaseOption: ParsableArguments {
    @Option(help: "Database URL, e.g. postgres://zun@127.0.0.1/zun (env ZUN_DATABASE).")
    var database: String = env("ZUN_DATABASE") ?? ""

    @Option(help: "PostgreSQL connections this process may open at most (env ZUN_DATABASE_POOL_SIZE). Mind the server's max_connections across replicas.")
    var databasePoolSize: Int = env("ZUN_DATABASE_POOL_SIZE").flatMap(Int.init) ?? SQLStore.defaultPoolSize

    func location() throws -> StoreLocation {
        guard !database.isEmpty else { throw ValidationError("--database (or ZUN_DATABASE) is required") }
        return try storeLocation(database)
    }

    func validate() throws {
        guard (1...500).contains(databasePoolSize) else { throw ValidationError("--database-pool-size must be between 1 and 500") }
    }
}

/// The scheduler of the API roles (`zun dev`, `zun api`), named after Zun's `[scheduler]` options.
struct SchedulerOptions: ParsableArguments {
    @Option(help: "Filters in order, comma-separated (env ZUN_SCHEDULER_FILTERS; Zun's [scheduler] enabled_filters).")
    var schedulerFilters: String = env("ZUN_SCHEDULER_FILTERS") ?? HostFilterRegistry.defaultEnabled.joined(separator: ",")

    @Option(help: "SpreadWeigher (spread) or BinpackWeigher (binpack) (env ZUN_SCHEDULER_WEIGHER).")
    var schedulerWeigher: String = env("ZUN_SCHEDULER_WEIGHER") ?? HostWeigherRegistry.defaultWeigher

    @Flag(help: "Check and rank every host instead of sampling log2(N) feasible ones.")
    var schedulerExhaustive = false

    /// Applies the options; unknown filter or weigher names are refused here, before the service starts.
    func apply(to configuration: inout APIConfiguration) throws {
        configuration.enabledFilters = schedulerFilters.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        configuration.weigher = schedulerWeigher
        configuration.schedulerMode = schedulerExhaustive ? .exhaustive : .defaultSampled
        do {
            _ = try HostFilterRegistry.filters(named: configuration.enabledFilters)
            _ = try HostWeigherRegistry.weigher(named: configuration.weigher)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

/// Where networks created without a subnet get one (the API roles).
struct NetworkOptions: ParsableArguments {
    @Option(help: "IPv4 range that networks without a subnet (a project's default network among them) are given subnets from (env ZUN_NETWORK_POOL).")
    var networkPool: String = env("ZUN_NETWORK_POOL") ?? SubnetPool.default.pool.description

    @Option(help: "Prefix length of each subnet taken from the pool (env ZUN_NETWORK_PREFIX).")
    var networkPrefix: Int = env("ZUN_NETWORK_PREFIX").flatMap { Int($0) } ?? SubnetPool.default.prefixLength

    func apply(to configuration: inout APIConfiguration) throws {
        guard let pool = IPv4Subnet(networkPool) else { throw ValidationError("--network-pool must be an IPv4 CIDR such as 10.224.0.0/12") }
        guard (pool.prefixLength...30).contains(networkPrefix) else {
            throw ValidationError("--network-prefix must be between \(pool.prefixLength) and 30")
        }
        configuration.subnetPool = SubnetPool(pool: pool, prefixLength: networkPrefix)
    }
}

/// Limits of the API's HTTP server (the API roles).
struct HTTPOptions: ParsableArguments {
    @Option(help: "Seconds a client has to send a request head once it started, else the connection is closed (env ZUN_REQUEST_HEAD_TIMEOUT).")
    var requestHeadTimeout: Double = env("ZUN_REQUEST_HEAD_TIMEOUT").flatMap(Double.init) ?? 10

    func apply(to configuration: inout APIConfiguration) throws {
        guard requestHeadTimeout > 0, requestHeadTimeout <= 3600 else {
            throw ValidationError("--request-head-timeout must be between 0 and 3600 seconds")
        }
        configuration.requestHeadLimits.headTimeout = .milliseconds(Int64(requestHeadTimeout * 1000))
    }
}

/// The policy file of the API roles (oslo.policy's `policy_file`).
struct PolicyOptions: ParsableArguments {
    @Option(
        name: .customLong("policy-file"),
        help: "YAML or JSON file of policy rules overriding Zun's defaults, as oslo.policy's policy.yaml (env ZUN_POLICY_FILE). An unknown rule or a bad check string stops the start."
    )
    var policyFileOption: String?
    /// The option, else its environment variable (an Optional option may not have a default value).
    var policyFile: String? { policyFileOption ?? env("ZUN_POLICY_FILE") }

    func policy() throws -> Policy {
        guard let policyFile else { return Policy() }
        do {
            return try Policy(file: policyFile)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func apply(to configuration: inout APIConfiguration) throws {
        configuration.policy = try policy()
    }
}

/// Project quotas of the API roles (Zun's `[quota]`): defaults when neither the project nor the `default`
/// quota class sets a limit; -1 is unlimited.
struct QuotaOptions: ParsableArguments {
    @Option(help: "Containers per project (env ZUN_QUOTA_CONTAINERS).")
    var quotaContainers: Int = env("ZUN_QUOTA_CONTAINERS").flatMap { Int($0) } ?? QuotaResource.containers.zunDefault
    @Option(help: "vCPUs per project (env ZUN_QUOTA_CPU).")
    var quotaCpu: Int = env("ZUN_QUOTA_CPU").flatMap { Int($0) } ?? QuotaResource.cpu.zunDefault
    @Option(help: "Memory in MB per project (env ZUN_QUOTA_MEMORY).")
    var quotaMemory: Int = env("ZUN_QUOTA_MEMORY").flatMap { Int($0) } ?? QuotaResource.memory.zunDefault
    @Option(help: "Disk in GB per project (env ZUN_QUOTA_DISK).")
    var quotaDisk: Int = env("ZUN_QUOTA_DISK").flatMap { Int($0) } ?? QuotaResource.disk.zunDefault
    @Option(help: "Networks per project (env ZUN_QUOTA_NETWORKS).")
    var quotaNetworks: Int = env("ZUN_QUOTA_NETWORKS").flatMap { Int($0) } ?? QuotaResource.networks.zunDefault
    @Option(help: "Volumes per project (env ZUN_QUOTA_VOLUMES).")
    var quotaVolumes: Int = env("ZUN_QUOTA_VOLUMES").flatMap { Int($0) } ?? QuotaResource.volumes.zunDefault
    @Option(help: "Ports per project (env ZUN_QUOTA_PORTS).")
    var quotaPorts: Int = env("ZUN_QUOTA_PORTS").flatMap { Int($0) } ?? QuotaResource.ports.zunDefault
    @Flag(help: "Check no quota (Zun's NoopQuotaDriver).")
    var noQuotas = false

    func apply(to configuration: inout APIConfiguration) throws {
        let values: [QuotaResource: Int] = [
            .containers: quotaContainers, .cpu: quotaCpu, .memory: quotaMemory, .disk: quotaDisk, .networks: quotaNetworks,
            .volumes: quotaVolumes, .ports: quotaPorts,
        ]
        for (resource, value) in values where value < -1 {
            throw ValidationError("--quota-\(resource.rawValue) must be -1 (unlimited) or more")
        }
        configuration.quotaDefaults = values
        configuration.quotasEnforced = !noQuotas
    }
}

/// How the API authenticates callers (docs/authentication.md): `noauth` headers (loopback only unless
/// `--insecure-noauth`), Keystone tokens, or a token file.
struct AuthOptions: ParsableArguments {
    @Option(help: "noauth, keystone or token-file (env ZUN_AUTH_STRATEGY).")
    var authStrategy: String = env("ZUN_AUTH_STRATEGY") ?? "noauth"

    @Flag(help: "Serve noauth (identity from X-User-Id/X-Project-Id/X-Roles headers, which any caller can set) on an address other than loopback. Anyone who reaches it is whoever they claim to be.")
    var insecureNoauth = false

    @Option(name: .customLong("keystone-url"), help: "Keystone's identity v3 endpoint, e.g. http://keystone:5000/v3 (env ZUN_KEYSTONE_URL).")
    var keystoneURLOption: String?
    @Option(name: .customLong("keystone-www-authenticate-uri"), help: "The public Keystone endpoint that 401 answers name (env ZUN_KEYSTONE_WWW_AUTHENTICATE_URI; default: --keystone-url).")
    var keystoneWWWAuthenticateOption: String?
    @Option(help: "The service user that validates tokens (env ZUN_KEYSTONE_SERVICE_USER).")
    var keystoneServiceUser: String = env("ZUN_KEYSTONE_SERVICE_USER") ?? "zun"
    @Option(help: "Its project (env ZUN_KEYSTONE_SERVICE_PROJECT).")
    var keystoneServiceProject: String = env("ZUN_KEYSTONE_SERVICE_PROJECT") ?? "service"
    @Option(help: "The domain of the service user and its project (env ZUN_KEYSTONE_SERVICE_DOMAIN).")
    var keystoneServiceDomain: String = env("ZUN_KEYSTONE_SERVICE_DOMAIN") ?? "Default"
    @Option(name: .customLong("keystone-service-password-file"), help: "File holding the service user's password (env ZUN_KEYSTONE_SERVICE_PASSWORD_FILE; or the password itself in env ZUN_KEYSTONE_SERVICE_PASSWORD). Never on the command line: every local user can read it there.")
    var keystoneServicePasswordFileOption: String?
    @Option(help: "Seconds a token validation is trusted before Keystone is asked again; a revoked token works at most this long (env ZUN_KEYSTONE_CACHE_TTL; keystonemiddleware's token_cache_time).")
    var keystoneCacheTTL: Double = env("ZUN_KEYSTONE_CACHE_TTL").flatMap(Double.init) ?? 300

    @Option(name: .customLong("token-file"), help: "token-file: the YAML file of token digests and identities, re-read when it changes (env ZUN_TOKEN_FILE). `zun token new` adds tokens.")
    var tokenFileOption: String?

    /// The strategy, checked before anything starts: a Keystone that refuses the service credential, a missing
    /// token file or noauth on a reachable address stop the start.
    func authentication(listenHost host: String, logger: Logger) async throws -> Authentication {
        switch authStrategy {
        case "noauth":
            try checkNoAuth(listenHost: host, logger: logger)
            return .noauth
        case "keystone":
            guard let url = keystoneURLOption ?? env("ZUN_KEYSTONE_URL") else {
                throw ValidationError("--auth-strategy keystone needs --keystone-url (env ZUN_KEYSTONE_URL)")
            }
            guard keystoneCacheTTL >= 0 && keystoneCacheTTL <= 86_400 else {
                throw ValidationError("--keystone-cache-ttl must be 0 to 86400 seconds")
            }
            let configuration = KeystoneConfiguration(
                authURL: url, wwwAuthenticateURI: keystoneWWWAuthenticateOption ?? env("ZUN_KEYSTONE_WWW_AUTHENTICATE_URI"),
                serviceUser: keystoneServiceUser, serviceUserDomain: keystoneServiceDomain, serviceProject: keystoneServiceProject,
                serviceProjectDomain: keystoneServiceDomain, servicePassword: try servicePassword(), cacheTTL: keystoneCacheTTL
            )
            let validator = KeystoneTokenValidator(configuration: configuration, logger: logger)
            do {
                try await validator.checkServiceCredential()
            } catch {
                throw ValidationError("Keystone at \(configuration.authURL) refused the service credential of \(keystoneServiceUser) or cannot be reached; see the log")
            }
            logger.info("authenticating callers with keystone", metadata: ["keystone": "\(configuration.authURL)", "cache_ttl": "\(keystoneCacheTTL)"])
            return .keystone(validator)
        case "token-file":
            guard let path = tokenFileOption ?? env("ZUN_TOKEN_FILE") else {
                throw ValidationError("--auth-strategy token-file needs --token-file (env ZUN_TOKEN_FILE)")
            }
            do {
                let file = try TokenFile(path: path, logger: logger)
                logger.info("authenticating callers with a token file", metadata: ["path": "\(path)", "tokens": "\(file.count)"])
                return .tokenFile(file)
            } catch {
                throw ValidationError("\(error)")
            }
        default:
            throw ValidationError("--auth-strategy must be noauth, keystone or token-file, not \(authStrategy)")
        }
    }

    private func servicePassword() throws -> String {
        if let path = keystoneServicePasswordFileOption ?? env("ZUN_KEYSTONE_SERVICE_PASSWORD_FILE") {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("cannot read the Keystone service password file \(path)")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let password = env("ZUN_KEYSTONE_SERVICE_PASSWORD"), !password.isEmpty { return password }
        throw ValidationError("--auth-strategy keystone needs the service password: --keystone-service-password-file or env ZUN_KEYSTONE_SERVICE_PASSWORD")
    }

    /// Refuses to start noauth on an address other hosts can reach, unless `--insecure-noauth`.
    func checkNoAuth(listenHost host: String, logger: Logger) throws {
        if AuthOptions.isLoopback(host) { return }
        guard insecureNoauth else {
            throw ValidationError(
                "refusing to serve noauth on \(host): any caller could claim any identity. Listen on 127.0.0.1 (or ::1), use --auth-strategy keystone or token-file, or pass --insecure-noauth if that is really meant."
            )
        }
        logger.warning("serving noauth beyond loopback (--insecure-noauth): callers are who their headers say", metadata: ["listen": "\(host)"])
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
