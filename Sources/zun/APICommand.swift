import ArgumentParser
import Hummingbird
import Logging
import ServiceLifecycle
import ZunAPI
import ZunCore
import ZunStore

/// `zun api`: the stateless API role (validation, policy, scheduling, tasks) on a shared database.
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api", abstract: "Run the API and scheduler on a shared database; run as many as you like."
    )

    @OptionGroup var common: CommonOptions

    @OptionGroup var scheduler: SchedulerOptions
    @OptionGroup var network: NetworkOptions
    @OptionGroup var http: HTTPOptions
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var quotaOptions: QuotaOptions
    @OptionGroup var auth: AuthOptions
    @OptionGroup var nodeSecret: NodeSecretOption

    @Option(name: .customLong("websocket-base-url"), help: "Base of the websocket URLs handed out by attach and interactive exec, e.g. ws://api.example:9517/websocket (env ZUN_WEBSOCKET_BASE_URL; default: this API at the address the client used).")
    var websocketBaseURLOption: String?
    /// The option, else its environment variable (an Optional option may not have a default value).
    var websocketBaseURL: String? { websocketBaseURLOption ?? env("ZUN_WEBSOCKET_BASE_URL") }

    @OptionGroup var storage: DatabaseOption

    @Option(help: "Address to listen on (env ZUN_LISTEN).")
    var listen: String = env("ZUN_LISTEN") ?? "127.0.0.1:9517"

    @Option(name: .customLong("node-listen"), help: "Also listen here for the node protocol (/node/v1) alone: the address compute hosts reach, e.g. on a management network, while --listen serves users (env ZUN_NODE_LISTEN). Node calls always need node credentials.")
    var nodeListenOption: String?
    var nodeListen: String? { nodeListenOption ?? env("ZUN_NODE_LISTEN") }

    @Option(help: "Seconds a task may wait on a dead host before it ends (env ZUN_DEAD_HOST_TIMEOUT).")
    var deadHostTimeout: Double = env("ZUN_DEAD_HOST_TIMEOUT").flatMap(Double.init) ?? 60

    @Flag(help: "Do not move creates a dead host never started to another host.")
    var noReschedule = false

    func run() async throws {
        let logger = common.logger("zun-api")
        let (address, port) = try parseListen(listen)
        let nodeAddress = try nodeListen.map(parseListen)
        let location = try storage.location()
        var configuration = APIConfiguration()
        configuration.serviceDownTime = common.serviceDownTime
        configuration.websocketBaseURL = websocketBaseURL
        try scheduler.apply(to: &configuration)
        try network.apply(to: &configuration)
        try http.apply(to: &configuration)
        try policyOptions.apply(to: &configuration)
        try quotaOptions.apply(to: &configuration)
        configuration.authentication = try await auth.authentication(listenHost: address, logger: logger)
        configuration.deadHostTaskTimeout = deadHostTimeout
        configuration.rescheduleOnDeadHost = !noReschedule
        let secret = try nodeSecret.nodeSecret()
        configuration.nodeClusterKey = secret
        let settings = configuration
        try await SQLStore.withStore(at: location, poolSize: storage.databasePoolSize, logger: logger) { store in
            let nodes = ClusterNodeResolver(store: store, secret: secret, serviceDownTime: settings.serviceDownTime)
            let dependencies = APIDependencies(store: store, nodes: nodes, configuration: settings)
            let app = try ZunAPIRouter.application(
                dependencies, configuration: .init(address: .hostname(address, port: port), serverName: "zun", backlog: 4096), logger: logger
            )
            let reaper = try DeadHostReaper(store: store, configuration: settings, logger: logger)
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: reaper), .init(service: app)]
            if let (nodeHost, nodePort) = nodeAddress {
                let nodeApp = ZunAPIRouter.nodeApplication(
                    dependencies, configuration: .init(address: .hostname(nodeHost, port: nodePort), serverName: "zun", backlog: 4096),
                    logger: logger
                )
                services.append(.init(service: nodeApp))
            }
            let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            logger.info("zun api is up", metadata: ["listen": "\(listen)", "node_listen": "\(nodeListen ?? "-")"])
            try await group.run()
            logger.notice("zun api stopped")
        }
    }
}
