import Hummingbird
import HummingbirdWebSocket
import Logging
import ZunCore
import ZunStore

/// What the API's handlers need: the store, the node-local calls of compute hosts, configuration.
public struct APIDependencies: Sendable {
    public var store: any ZunStore
    public var nodes: any NodeLocalCallsResolver
    public var configuration: APIConfiguration
    /// Wall-clock time of records (timestamps, session expiry).
    public var clock: any WallClock
    /// Projects' default networks, shared by the handlers of this API process.
    let defaultNetworks = DefaultNetworkCache()
    /// Heartbeats of the node protocol, written in batches by the application's service.
    public let heartbeats: HeartbeatBuffer
    /// Node credentials checked in the last seconds, shared by this process's node-protocol requests.
    public let nodeCredentialCache = NodeCredentialCache()

    public init(
        store: any ZunStore, nodes: any NodeLocalCallsResolver, configuration: APIConfiguration = APIConfiguration(),
        clock: any WallClock = SystemWallClock()
    ) {
        self.store = store
        self.nodes = nodes
        self.configuration = configuration
        self.clock = clock
        self.heartbeats = HeartbeatBuffer(store: store)
    }
}

extension APIDependencies {
    /// Refuses (403 `over-quota`) a change that would take `project` over its quota; nothing when quotas are off.
    func checkQuota(project: String, delta: QuotaUsage) async throws {
        if let check = configuration.quotaCheck(project: project, delta: delta) { try await store.checkQuota(check) }
    }
}

/// Builds the HTTP router of the Zun v1 API.
public enum ZunAPIRouter {
    public static func build(_ dependencies: APIDependencies) throws -> Router<ZunRequestContext> {
        let router = Router(context: ZunRequestContext.self)
        let routes = RouteTable()
        router.add(middleware: ZunErrorMiddleware(routes: routes))
        RootController().register(on: router)
        // The version documents are public, as in Zun; everything else needs a caller, checked before the
        // microversion (Zun's pipeline runs keystonemiddleware first: no credential is a 401 whatever the version).
        RootController().registerV1(on: router.group("v1").add(middleware: MicroversionMiddleware()))
        let v1 = dependencies.configuration.authentication.protect(router.group("v1")).add(middleware: MicroversionMiddleware())
        let placement = try ContainerPlacement(store: dependencies.store, configuration: dependencies.configuration)
        let access = ContainerAccess(dependencies: dependencies)
        v1.addRoutes(ContainerCRUDController(access: access, placement: placement).routes, atPath: "containers")
        v1.addRoutes(ContainerLifecycleController(access: access).routes, atPath: "containers")
        v1.addRoutes(ContainerNodeCallsController(access: access).routes, atPath: "containers")
        v1.addRoutes(ContainerSessionsController(access: access).routes, atPath: "containers")
        v1.addRoutes(ContainerNetworksController(access: access).routes, atPath: "containers")
        v1.addRoutes(ContainerActionsController(access: access).routes, atPath: "containers")
        v1.addRoutes(HostsController(dependencies: dependencies).routes, atPath: "hosts")
        v1.addRoutes(ServicesController(dependencies: dependencies).routes, atPath: "services")
        v1.addRoutes(NetworksController(dependencies: dependencies).routes, atPath: "networks")
        v1.addRoutes(VolumesController(dependencies: dependencies).routes, atPath: "volumes")
        v1.addRoutes(PortsController(dependencies: dependencies).routes, atPath: "ports")
        let quotas = QuotasController(dependencies: dependencies)
        v1.addRoutes(quotas.quotaRoutes, atPath: "quotas")
        v1.addRoutes(quotas.classRoutes, atPath: "quota_classes")
        registerNodeProtocol(on: router, dependencies)
        ConsoleController(dependencies: dependencies).registerFallback(on: router)
        routes.load(router.routes.map { (path: $0.path.description, method: $0.method.rawValue) })
        return router
    }

    /// The node protocol: node credentials only, never tenant tokens (docs/node-protocol.md).
    static func registerNodeProtocol(on router: Router<ZunRequestContext>, _ dependencies: APIDependencies) {
        let node = NodeProtocolController(dependencies: dependencies)
        router.group("node/v1").addRoutes(node.publicRoutes)
        router.group("node/v1").add(middleware: NodeAuthenticationMiddleware(credentials: node.credentials)).addRoutes(node.routes)
    }

    /// The router of the node listener (`zun api --node-listen`): the node protocol and nothing else.
    public static func buildNodeProtocol(_ dependencies: APIDependencies) -> Router<ZunRequestContext> {
        let router = Router(context: ZunRequestContext.self)
        let routes = RouteTable()
        router.add(middleware: ZunErrorMiddleware(routes: routes))
        registerNodeProtocol(on: router, dependencies)
        routes.load(router.routes.map { (path: $0.path.description, method: $0.method.rawValue) })
        return router
    }

    /// The router of websocket upgrades (attach and interactive exec sessions).
    public static func buildWebSocket(_ dependencies: APIDependencies) -> Router<ZunRequestContext> {
        let router = Router(context: ZunRequestContext.self)
        ConsoleController(dependencies: dependencies).registerWebSocket(on: router)
        return router
    }

    /// The API as a Hummingbird application: HTTP plus the websocket upgrades of console sessions.
    public static func application(
        _ dependencies: APIDependencies, configuration: ApplicationConfiguration, logger: Logger
    ) throws -> some ApplicationProtocol {
        Application(
            router: try build(dependencies),
            server: .guardedHTTP1WebSocketUpgrade(
                webSocketRouter: buildWebSocket(dependencies), limits: dependencies.configuration.requestHeadLimits,
                idleTimeout: .seconds(75)
            ),
            configuration: configuration,
            services: [dependencies.heartbeats, NodeCredentialCacheRefresher(credentials: NodeProtocolController(dependencies: dependencies).credentials)],
            logger: logger
        )
    }

    /// A second listener serving only the node protocol, for compute hosts on a management network the users'
    /// API is not on. It shares `dependencies` (heartbeat buffer, credential cache) with the API application,
    /// which runs their services.
    public static func nodeApplication(
        _ dependencies: APIDependencies, configuration: ApplicationConfiguration, logger: Logger
    ) -> some ApplicationProtocol {
        Application(
            router: buildNodeProtocol(dependencies),
            server: .guardedHTTP1WebSocketUpgrade(
                webSocketRouter: Router(context: ZunRequestContext.self), limits: dependencies.configuration.requestHeadLimits,
                idleTimeout: .seconds(75)
            ),
            configuration: configuration, logger: logger
        )
    }
}
