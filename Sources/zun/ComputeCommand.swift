import ArgumentParser
import AsyncHTTPClient
import DockerEngine
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import ZunCompute
import ZunCore

/// `zun compute`: the agent of one Docker engine. It talks to the API replicas over the node protocol with its
/// own credential and never to the database (docs/node-protocol.md).
struct ComputeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compute", abstract: "Run the compute agent of one Docker engine, talking to the API replicas with its own credential."
    )

    @OptionGroup var common: CommonOptions

    @OptionGroup var controlPlane: ControlPlaneOptions

    @OptionGroup var engine: EngineOptions

    @Option(help: "Address of the node-local endpoint the API proxies logs to (env ZUN_NODE_LISTEN).")
    var listen: String = env("ZUN_NODE_LISTEN") ?? "127.0.0.1:9520"

    @Option(name: .customLong("advertise"), help: "URL the API uses to reach the node-local endpoint (env ZUN_NODE_ADVERTISE; default http://<listen>).")
    var advertiseOption: String?
    /// The option, else its environment variable (an Optional option may not have a default value).
    var advertise: String? { advertiseOption ?? env("ZUN_NODE_ADVERTISE") }

    @Option(help: "Seconds between heartbeats (env ZUN_HEARTBEAT_INTERVAL).")
    var heartbeatInterval: Double = env("ZUN_HEARTBEAT_INTERVAL").flatMap(Double.init) ?? 3

    @Option(help: "Seconds between engine state syncs (env ZUN_SYNC_INTERVAL).")
    var syncInterval: Double = env("ZUN_SYNC_INTERVAL").flatMap(Double.init) ?? 10

    @Option(name: .customLong("underlay-address"), help: "This host's address on the network between hosts: overlay networks reach the other hosts through it, over VXLAN (env ZUN_UNDERLAY_ADDRESS; none: networks stay on this host).")
    var underlayAddressOption: String?
    var underlayAddress: String? { underlayAddressOption ?? env("ZUN_UNDERLAY_ADDRESS") }

    @Option(help: "MTU of the underlay's links; overlay networks get 50 bytes less (env ZUN_UNDERLAY_MTU).")
    var underlayMTU: Int = env("ZUN_UNDERLAY_MTU").flatMap(Int.init) ?? 1500

    @Option(help: "Run this many hollow (simulated-engine) hosts named <host-name>-00000… instead of one Docker agent: scale benchmarks only.")
    var hollow: Int = 0

    func run() async throws {
        if hollow > 0 { return try await runHollow() }
        let logger = {
            var logger = common.logger(ZunService.computeBinary)
            logger[metadataKey: LogKey.host] = "\(engine.hostName)"
            return logger
        }()
        let (address, port) = try parseListen(listen)
        let docker = try await engine.connect(logger: logger)
        try await ControlPlaneOptions.withClient(connections: 16) { client in
            try await run(docker: docker, client: client, address: address, port: port, logger: logger)
        }
    }

    private func run(docker: DockerClient, client: HTTPClient, address: String, port: Int, logger: Logger) async throws {
        let identity = try await controlPlane.identity(
            host: engine.hostName, credentialPath: controlPlane.credentialFile, token: try controlPlane.bootstrapToken(), client: client,
            logger: logger
        )
        guard let nodeKey = identity.nodeKey else {
            throw ValidationError("the API handed out no node key (it has no --node-secret-file): the node endpoint would be open to anyone")
        }
        let plane = HTTPControlPlane(endpoints: controlPlane.apiURLs, credential: identity, client: client, logger: logger)
        var configuration = ComputeAgent.Configuration(
            hostName: engine.hostName, heartbeatInterval: .milliseconds(Int64(heartbeatInterval * 1000)),
            syncInterval: .milliseconds(Int64(syncInterval * 1000)), publishHost: engine.publishHost,
            endpoint: advertise ?? "http://\(listen)"
        )
        configuration.claimWait = .seconds(20)
        if let underlayAddress {
            guard IPv4Address(underlayAddress) != nil else { throw ValidationError("--underlay-address must be an IPv4 address, not \(underlayAddress)") }
            guard (1280...65535).contains(underlayMTU) else { throw ValidationError("--underlay-mtu must be between 1280 and 65535") }
            configuration.overlay = .init(underlayAddress: underlayAddress, underlayMTU: underlayMTU)
        }
        let agent = ComputeAgent(configuration: configuration, controlPlane: plane, docker: docker, logger: logger)
        try await registerPersistently(agent, logger: logger)
        let endpoint = NodeEndpoint.application(agent: agent, host: address, port: port, key: nodeKey, logger: logger)
        // Reverse order on shutdown: the endpoint closes first, then the task runner finishes its claims.
        let group = ServiceGroup(configuration: .init(
            services: agent.services.map { .init(service: $0) } + rotation(plane, logger) + [.init(service: endpoint)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        logger.info("zun compute is up", metadata: [
            "docker": "\(engine.dockerHost)", "endpoint": "\(configuration.endpoint ?? "")", "api": "\(controlPlane.apiURLs.joined(separator: ","))",
        ])
        try await group.run()
        logger.notice("zun compute stopped")
    }

    /// Hollow hosts: real agents on simulated engines, each with its own credential, speaking the node protocol
    /// over HTTP like any agent; no node endpoint (their node-local calls refuse).
    private func runHollow() async throws {
        let logger = common.logger(ZunService.computeBinary)
        var template = ComputeAgent.Configuration(
            hostName: engine.hostName, heartbeatInterval: .milliseconds(Int64(heartbeatInterval * 1000)),
            syncInterval: .milliseconds(Int64(syncInterval * 1000)), publishHost: engine.publishHost
        )
        template.claimWait = .seconds(20)
        template.idlePollInterval = .seconds(5)
        let directory = controlPlane.credentialFile
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let tokens = try controlPlane.bootstrapTokens()
        // Each host holds a long-poll open on its replica, in a pool of its own; heartbeats and reports share
        // another (one pool for both only opens and closes connections in bursts, or queues heartbeats).
        let polls = (hollow + controlPlane.apiURLs.count - 1) / controlPlane.apiURLs.count + 64
        try await ControlPlaneOptions.withClient(connections: polls) { pollClient in
            try await ControlPlaneOptions.withClient(connections: 512) { client in
                try await runHollow(template: template, directory: directory, tokens: tokens, client: client, pollClient: pollClient, logger: logger)
            }
        }
    }

    private func runHollow(
        template: ComputeAgent.Configuration, directory: String, tokens: [String: String], client: HTTPClient, pollClient: HTTPClient,
        logger: Logger
    ) async throws {
        let names = (0..<hollow).map { String(format: "%@-%05d", engine.hostName, $0) }
        let holders = try await withThrowingTaskGroup(of: NodeCredentialHolder.self) { group in
            var holders: [NodeCredentialHolder] = []
            for (index, name) in names.enumerated() {
                if index >= 64 { holders.append(try await group.next()!) }
                group.addTask {
                    try await controlPlane.identity(host: name, credentialPath: "\(directory)/\(name).json", token: tokens[name], client: client, logger: logger)
                }
            }
            for try await holder in group { holders.append(holder) }
            return holders
        }
        let planes = holders.map {
            HTTPControlPlane(endpoints: controlPlane.apiURLs, credential: $0, client: client, pollClient: pollClient, logger: logger)
        }
        let agents = HollowFleet.agents(planes: planes, template: template, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: HollowFleet.service(agents))], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        logger.notice("zun compute is starting its hollow hosts", metadata: ["hosts": "\(hollow)", "prefix": "\(engine.hostName)"])
        try await group.run()
        logger.notice("zun compute stopped")
    }

    private func rotation(_ plane: HTTPControlPlane, _ logger: Logger) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        guard controlPlane.credentialRotation > 0 else { return [] }
        let interval = Duration.milliseconds(Int64(controlPlane.credentialRotation * 1000))
        return [.init(service: CredentialRotationService(controlPlane: plane, interval: interval, logger: logger))]
    }

    /// Registers, retrying while no API replica answers yet (agents may start before the API).
    private func registerPersistently(_ agent: ComputeAgent, logger: Logger) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            do {
                return try await agent.register()
            } catch let error as ZunError where error.kind == .unauthenticated || error.kind == .forbidden {
                logger.critical("the API refused this node's credential", metadata: [LogKey.error: "\(error)"])
                throw ExitCode.failure
            } catch {
                guard ContinuousClock.now < deadline else { throw error }
                logger.warning("registering with the API failed; retrying", metadata: [LogKey.error: "\(error)"])
                try await Task.sleep(for: .seconds(2))
            }
        }
    }
}
