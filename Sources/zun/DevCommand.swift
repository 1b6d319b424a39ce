import ArgumentParser
import DockerEngine
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import ZunAPI
import ZunCompute
import ZunCore
import ZunDev
import ZunStore

/// `zun dev`: API, scheduler and one compute agent in one process, on an embedded SQLite file.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Run the API, scheduler and a compute agent in one process (SQLite, local Docker)."
    )

    @Option(help: "Address to listen on (env ZUN_LISTEN).")
    var listen: String = env("ZUN_LISTEN") ?? "127.0.0.1:9517"

    @Option(help: "Directory of the SQLite file (env ZUN_DATA_DIR).")
    var dataDir: String = env("ZUN_DATA_DIR") ?? "./.zun"

    @OptionGroup var engine: EngineOptions

    @Option(name: .customLong("database"), help: "Database URL instead of the SQLite file in --data-dir (env ZUN_DATABASE).")
    var databaseOption: String?
    /// The option, else its environment variable (an Optional option may not have a default value).
    var database: String? { databaseOption ?? env("ZUN_DATABASE") }

    @OptionGroup var common: CommonOptions

    @OptionGroup var scheduler: SchedulerOptions
    @OptionGroup var network: NetworkOptions
    @OptionGroup var http: HTTPOptions
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var quotaOptions: QuotaOptions
    @OptionGroup var auth: AuthOptions

    @Option(name: .customLong("websocket-base-url"), help: "Base of the websocket URLs handed out by attach and interactive exec, e.g. ws://api.example:9517/websocket (env ZUN_WEBSOCKET_BASE_URL; default: this API at the address the client used).")
    var websocketBaseURLOption: String?
    /// The option, else its environment variable (an Optional option may not have a default value).
    var websocketBaseURL: String? { websocketBaseURLOption ?? env("ZUN_WEBSOCKET_BASE_URL") }

    func run() async throws {
        let logger = common.logger("zun")
        let (address, port) = try parseListen(listen)
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let location = try storeLocation(database ?? (dataDir as NSString).appendingPathComponent("zun.sqlite"))
        // Configuration first: a bad flag or policy file stops the start before anything connects.
        let authentication = try await auth.authentication(listenHost: address, logger: logger)
        let configuration = try {
            var configuration = APIConfiguration()
            configuration.serviceDownTime = common.serviceDownTime
            configuration.websocketBaseURL = websocketBaseURL
            try scheduler.apply(to: &configuration)
            try network.apply(to: &configuration)
            try http.apply(to: &configuration)
            try policyOptions.apply(to: &configuration)
            try quotaOptions.apply(to: &configuration)
            configuration.authentication = authentication
            return configuration
        }()
        let docker = try await engine.connect(logger: logger)
        try await SQLStore.withStore(at: location, logger: logger) { store in
            let agent = ComputeAgent(configuration: .init(hostName: engine.hostName, publishHost: engine.publishHost), store: store, docker: docker, logger: logger)
            let app = try await DevStack.application(
                store: store, agent: agent, configuration: configuration, address: .hostname(address, port: port), logger: logger
            )
            let group = ServiceGroup(configuration: .init(
                services: DevStack.services(agent: agent, api: app), gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
            ))
            logger.info("zun dev is up", metadata: ["listen": "\(listen)", "host": "\(engine.hostName)", "docker": "\(engine.dockerHost)"])
            try await group.run()
            logger.notice("zun dev stopped")
        }
    }
}
