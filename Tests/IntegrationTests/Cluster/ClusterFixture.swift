import AsyncHTTPClient
import DockerEngine
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import Testing
import ZunCore
import ZunAPI
import ZunStore
import ZunTestSupport

/// A cluster of real processes: API replicas and compute agents on a fresh PostgreSQL database and the
/// two engines ./scripts/test starts. Short liveness bounds keep the tests quick; the defaults are measured
/// separately (README).
final class ClusterFixture: @unchecked Sendable {
    let database: String
    let location: StoreLocation
    let secret = "test-secret-" + UUID().uuidString.prefix(8)
    let logDirectory: String
    let prefix = "cl" + UUID().uuidString.prefix(6).lowercased()
    /// This fixture's own subnets, so clusters running beside other tests never overlap on an engine.
    let subnetPool = TestSupport.nextSubnetPool()
    var apis: [ZunProcess] = []
    var apiURLs: [String] = []
    var computes: [String: ZunProcess] = [:]
    var engines: [String: String] = [:]
    /// Each agent's node-local endpoint, by suffix.
    var nodeEndpoints: [String: String] = [:]

    /// Liveness knobs handed to every role.
    var serviceDownTime = 4.0
    var deadHostTimeout = 5.0
    var heartbeatInterval = 1.0
    /// The address API replicas listen on (an underlay address for agents on namespace hosts).
    var apiListenHost = "127.0.0.1"

    private init(location: StoreLocation, database: String, logDirectory: String) {
        self.location = location
        self.database = database
        self.logDirectory = logDirectory
    }

    static func make() async throws -> ClusterFixture {
        let location = try await TestSupport.freshPostgresDatabase()
        guard case .postgres(let host, let port, let user, _, let name) = location else { fatalError() }
        return ClusterFixture(
            location: location, database: "postgres://\(user)@\(host):\(port)/\(name)", logDirectory: try TestSupport.temporaryDirectory()
        )
    }

    static func engine(_ index: Int) throws -> String {
        let key = index == 1 ? "ZUN_TEST_DOCKER_HOST" : "ZUN_TEST_DOCKER_HOST_2"
        guard let value = ProcessInfo.processInfo.environment[key], !value.isEmpty else {
            throw MissingEnvironment("\(key) is not set: the cluster tests need two engines. Run ./scripts/test.")
        }
        return value
    }

    func hostName(_ suffix: String) -> String { "\(prefix)-\(suffix)" }

    /// An agent's environment: no database and no cluster key, only what every role shares.
    private var computeEnvironment: [String: String] {
        ["ZUN_LOG_LEVEL": "info", "ZUN_SERVICE_DOWN_TIME": String(serviceDownTime)]
    }

    private var roleEnvironment: [String: String] {
        [
            "ZUN_DATABASE": database, "ZUN_NODE_SECRET": secret, "ZUN_LOG_LEVEL": "info",
            "ZUN_SERVICE_DOWN_TIME": String(serviceDownTime), "ZUN_NETWORK_POOL": subnetPool.pool.description,
        ]
    }

    /// Starts an API replica and waits until it answers.
    @discardableResult
    func startAPI(extraArguments: [String] = []) async throws -> String {
        let port = try freePort()
        let process = ZunProcess(
            name: "api-\(apis.count)-\(port)",
            arguments: ["api", "--listen", "\(apiListenHost):\(port)", "--dead-host-timeout", String(deadHostTimeout)] + extraArguments,
            environment: roleEnvironment, logDirectory: logDirectory
        )
        try process.start()
        let url = "http://\(apiListenHost):\(port)"
        apis.append(process)
        apiURLs.append(url)
        try await waitUntilAnswering(url, process)
        return url
    }

    /// Starts (or restarts) the agent `suffix` on engine 1 or 2 and waits until its service is up. The agent
    /// gets the API URLs and its own credential, never the database: the first start enrolls the host and
    /// hands it a bootstrap token, a restart reuses the credential file.
    func startCompute(_ suffix: String, engine: Int, extraArguments: [String] = []) async throws {
        try await startCompute(suffix, engineEndpoint: try Self.engine(engine), extraArguments: extraArguments)
    }

    /// Starts (or restarts) agent `suffix` on the engine at `engineEndpoint`, under `launcher` (a namespace
    /// host's `nsenter`), with its node endpoint on `listenHost`.
    func startCompute(
        _ suffix: String, engineEndpoint: String, launcher: [String] = [], listenHost: String = "127.0.0.1", extraArguments: [String] = []
    ) async throws {
        let host = hostName(suffix)
        let port = try freePort()
        let credential = credentialFile(suffix)
        var arguments = [
            "compute", "--host-name", host, "--docker-host", engineEndpoint, "--listen", "\(listenHost):\(port)",
            "--heartbeat-interval", String(heartbeatInterval), "--sync-interval", "1", "--credential-file", credential,
        ] + apiURLs.flatMap { ["--api", $0] } + extraArguments
        if !FileManager.default.fileExists(atPath: credential) {
            let token = try await enroll(host)
            let tokenFile = "\(logDirectory)/bootstrap-\(suffix)"
            try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            arguments += ["--bootstrap-token-file", tokenFile]
        }
        let process = ZunProcess(
            name: "compute-\(suffix)", arguments: arguments, environment: computeEnvironment, logDirectory: logDirectory, launcher: launcher
        )
        try process.start()
        computes[suffix] = process
        nodeEndpoints[suffix] = "http://\(listenHost):\(port)"
        engines[host] = engineEndpoint
        try await TestSupport.eventually(timeout: .seconds(30)) {
            guard process.isRunning else { throw MissingEnvironment("compute \(suffix) exited:\n\(process.logTail())") }
            return try await self.serviceState(host) == "up" ? true : nil
        }
    }

    /// Where agent `suffix` keeps its credential.
    func credentialFile(_ suffix: String) -> String { "\(logDirectory)/credential-\(suffix).json" }

    /// Enrolls a host as an admin does (`zun node enroll`), returning its bootstrap token.
    func enroll(_ host: String) async throws -> String {
        try await SQLStore.withStore(at: location, logger: TestSupport.logger) { store in
            try await NodeCredentials(store: store).enroll(host: host)
        }
    }

    func waitUntilAnswering(_ url: String, _ process: ZunProcess) async throws {
        try await TestSupport.eventually(timeout: .seconds(30)) {
            guard process.isRunning else { throw MissingEnvironment("\(process.name) exited:\n\(process.logTail())") }
            return try? await self.call(url, .GET, "/")
        }
    }

    func serviceState(_ host: String, api: Int = 0) async throws -> String? {
        let reply = try await call(apiURLs[api], .GET, "/v1/services")
        let services = reply.object["services"] as? [[String: Any]] ?? []
        return services.first { $0["host"] as? String == host }?["state"] as? String
    }

    /// One HTTP call to a real API process.
    func call(_ base: String, _ method: HTTPMethod, _ path: String, json: String? = nil, timeout: Duration = .seconds(30)) async throws -> Reply {
        try await liveAPICall(base, method, path, json: json, timeout: timeout)
    }

    /// POSTs a create through API `api`; returns the view.
    func create(api: Int = 0, _ json: String, run: Bool = true) async throws -> [String: Any] {
        let reply = try await call(apiURLs[api], .POST, "/v1/containers\(run ? "?run=true" : "")", json: json)
        guard reply.status.code == 202 else { throw MissingEnvironment("create failed: \(reply.json ?? "")") }
        return reply.object
    }

    func show(_ uuid: String, api: Int = 0) async throws -> [String: Any] {
        try await call(apiURLs[api], .GET, "/v1/containers/\(uuid)").object
    }

    /// Waits until every container is in one of `statuses`; returns their views.
    func waitForAll(_ uuids: [String], in statuses: Set<String>, api: Int = 0, timeout: Duration = .seconds(90)) async throws -> [[String: Any]] {
        do {
            return try await TestSupport.eventually(timeout: timeout, interval: .milliseconds(250)) {
                var views: [[String: Any]] = []
                for uuid in uuids {
                    let view = try await self.show(uuid, api: api)
                    guard let status = view["status"] as? String, statuses.contains(status), view["task_state"] is NSNull else { return nil }
                    views.append(view)
                }
                return views
            }
        } catch is TestSupport.Timeout {
            // Say which containers are stuck and what their tasks look like.
            let report = try await SQLStore.withStore(at: location, logger: TestSupport.logger) { store in
                var lines: [String] = []
                for uuid in uuids {
                    guard let c = try await store.container(uuid: uuid) else { lines.append("\(uuid): no record"); continue }
                    guard !statuses.contains(c.status.rawValue) || c.taskState != nil else { continue }
                    let tasks = try await store.tasks(containerUUID: uuid).map { "\($0.kind.rawValue):\($0.state.rawValue)#\($0.attempts) \($0.error ?? "")" }
                    lines.append("\(uuid): \(c.status.rawValue) task_state=\(c.taskState?.rawValue ?? "-") reason=\(c.statusReason ?? "-") tasks=\(tasks)")
                }
                return lines.joined(separator: "\n")
            }
            throw MissingEnvironment("containers did not reach \(statuses):\n\(report)")
        }
    }

    /// Stops every process and removes the engine containers of this fixture's hosts.
    func tearDown() async {
        for process in apis + Array(computes.values) { process.stop() }
        for (host, endpoint) in engines {
            guard let docker = try? await DockerClient.connect(endpoint: endpoint, logger: TestSupport.logger) else { continue }
            let leftovers = (try? await docker.listContainers(withLabel: "zun.host=\(host)", logger: TestSupport.logger)) ?? []
            for container in leftovers { try? await docker.removeContainer(container.id, force: true, logger: TestSupport.logger) }
            // Networks this fixture's hosts realized: the ones in its pool.
            for network in (try? await docker.listNetworks(withLabel: Network.uuidLabel, logger: TestSupport.logger)) ?? [] {
                let subnets = network.ipam?.config?.compactMap { $0.subnet.flatMap(IPv4Subnet.init) } ?? []
                if subnets.contains(where: { subnetPool.pool.overlaps($0) }) {
                    try? await docker.removeNetwork(network.id, logger: TestSupport.logger)
                }
            }
        }
    }

    /// Runs `body` with a fixture and always tears it down, printing role logs when the body fails.
    static func run(diagnostics: (() -> String)? = nil, _ body: @Sendable (ClusterFixture) async throws -> Void) async throws {
        let fixture = try await make()
        do {
            try await body(fixture)
            await fixture.tearDown()
        } catch {
            for process in fixture.apis + Array(fixture.computes.values) {
                print("---- \(process.name) ----\n\(process.logTail(40))")
            }
            if let diagnostics { print(diagnostics()) }
            await fixture.tearDown()
            throw error
        }
    }
}
