import ArgumentParser
import DockerEngine
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import ZunCompute
import ZunCore
import ZunStore

/// `zun compute`: the agent of one Docker engine, on a shared database.
struct ComputeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compute", abstract: "Run the compute agent of one Docker engine on a shared database."
    )

    @OptionGroup var common: CommonOptions

    @OptionGroup var storage: DatabaseOption

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

    @Option(help: "Run this many hollow (simulated-engine) hosts named <host-name>-00000… instead of one Docker agent: scale benchmarks only.")
    var hollow: Int = 0

    func run() async throws {
        if hollow > 0 { return try await runHollow() }
        let secret = try common.nodeSecret()
        let logger = {
            var logger = common.logger(ZunService.computeBinary)
            logger[metadataKey: LogKey.host] = "\(engine.hostName)"
            return logger
        }()
        let (address, port) = try parseListen(listen)
        let location = try storage.location()
        let docker = try await engine.connect(logger: logger)
        let configuration = ComputeAgent.Configuration(
            hostName: engine.hostName, heartbeatInterval: .milliseconds(Int64(heartbeatInterval * 1000)),
            syncInterval: .milliseconds(Int64(syncInterval * 1000)), publishHost: engine.publishHost,
            endpoint: advertise ?? "http://\(listen)"
        )
        try await SQLStore.withStore(at: location, logger: logger) { store in
            let agent = ComputeAgent(configuration: configuration, store: store, docker: docker, logger: logger)
            try await agent.register()
            let endpoint = NodeEndpoint.application(agent: agent, host: address, port: port, secret: secret, logger: logger)
            // Reverse order on shutdown: the endpoint closes first, then the task runner finishes its claims.
            let group = ServiceGroup(configuration: .init(
                services: agent.services.map { .init(service: $0) } + [.init(service: endpoint)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
            ))
            logger.info("zun compute is up", metadata: ["docker": "\(engine.dockerHost)", "endpoint": "\(configuration.endpoint ?? "")"])
            try await group.run()
            logger.notice("zun compute stopped")
        }
    }

    /// Hollow hosts: real agents on simulated engines, no node endpoint (their node-local calls refuse).
    private func runHollow() async throws {
        let logger = common.logger(ZunService.computeBinary)
        let template = {
            var template = ComputeAgent.Configuration(
                hostName: engine.hostName, heartbeatInterval: .milliseconds(Int64(heartbeatInterval * 1000)),
                syncInterval: .milliseconds(Int64(syncInterval * 1000)), publishHost: engine.publishHost
            )
            template.idlePollInterval = .seconds(30)
            return template
        }()
        try await SQLStore.withStore(at: try storage.location(), logger: logger) { store in
            let agents = try await HollowFleet.make(count: hollow, prefix: engine.hostName, store: store, template: template, logger: logger)
            let group = ServiceGroup(configuration: .init(
                services: agents.flatMap(\.services).map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
            ))
            logger.notice("zun compute is up with hollow hosts", metadata: ["hosts": "\(hollow)", "prefix": "\(engine.hostName)"])
            try await group.run()
            logger.notice("zun compute stopped")
        }
    }
}
