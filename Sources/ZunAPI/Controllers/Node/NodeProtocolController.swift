import Foundation
import Hummingbird
import ServiceLifecycle
import Logging
import NIOCore
import ZunCore
import ZunStore

/// The node protocol (docs/node-protocol.md): what `zun compute` agents ask of the API replicas. Every route
/// but `bootstrap` sits behind `NodeAuthenticationMiddleware`, and every request is applied through a
/// `StoreControlPlane` bound to the credential's host, which checks NodeRestriction: the host a request acts
/// for is the credential's, and anything naming another host is a 403, logged.
struct NodeProtocolController {
    let dependencies: APIDependencies
    var credentials: NodeCredentials {
        NodeCredentials(store: dependencies.store, clock: dependencies.clock, cache: dependencies.nodeCredentialCache)
    }

    /// The most a node-protocol body may carry: a batch of reports with their container records.
    static let bodyLimit = 8 << 20

    /// `POST /node/v1/bootstrap`: the one route a host reaches without a credential.
    var publicRoutes: RouteCollection<ZunRequestContext> {
        let routes = RouteCollection(context: ZunRequestContext.self)
        routes.post("/bootstrap", use: bootstrap)
        return routes
    }

    var routes: RouteCollection<ZunRequestContext> {
        let routes = RouteCollection(context: ZunRequestContext.self)
        routes.post("/credential/rotate", use: rotate)
        routes.post("/register", use: register)
        routes.post("/inventory", use: inventory)
        routes.post("/heartbeat", use: heartbeat)
        routes.post("/tasks/claim", use: claim)
        routes.post("/reports", use: reports)
        routes.get("/containers", use: containers)
        routes.get("/containers/{uuid}", use: container)
        routes.get("/containers/{uuid}/unfinished-task", use: unfinishedTask)
        routes.get("/networks/{uuid}", use: network)
        routes.get("/networks/{uuid}/peers", use: overlayPeers)
        routes.get("/overlay/changes", use: overlayChanges)
        routes.get("/volumes/{uuid}", use: volume)
        return routes
    }

    // MARK: Identity

    @Sendable func bootstrap(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let body = try await JSONBody.object(request, context)
        guard let token = try body["token"].flatMap({ try SchemaChecks.string("token", $0, nullable: false, minLength: 1, maxLength: 256) }) else {
            throw ZunError.schemaValidation("'token' is a required property")
        }
        guard let (host, credential) = try await credentials.exchange(bootstrapToken: token) else {
            context.logger.warning("bootstrap token refused", metadata: ["token_fingerprint": "\(TokenDigest.fingerprint(token))"])
            throw ZunError.unauthenticated("The bootstrap token is unknown, used or expired.")
        }
        context.logger.notice("node enrolled", metadata: ["node": "\(host)"])
        return try JSONResponse.make(identity(host: host, credential: credential), status: .created)
    }

    @Sendable func rotate(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let host = try Self.node(context)
        guard let current = NodeAuthenticationMiddleware.credential(of: request), let next = try await credentials.rotate(credential: current) else {
            throw ZunError.unauthenticated()
        }
        context.logger.notice("node credential rotated", metadata: ["node": "\(host)"])
        return try JSONResponse.make(identity(host: host, credential: next))
    }

    /// The answer of bootstrap and rotate: the host, its credential and the key the API signs its calls to this
    /// node with (derived for this host only; docs/node-protocol.md, "Console, exec and log relay").
    func identity(host: String, credential: String) -> NodeIdentity {
        NodeIdentity(host: host, credential: credential, nodeKey: dependencies.configuration.nodeClusterKey.map { NodeKeys.derive(clusterKey: $0, host: host) })
    }

    // MARK: Registration and liveness

    @Sendable func register(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let registration = try await Self.decode(NodeRegistration.self, request)
        try restrict(registration.inventory.hostname, context)
        try await controlPlane(context).register(registration)
        context.logger.info("node registered")
        return Response(status: .noContent)
    }

    @Sendable func inventory(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let inventory = try await Self.decode(ComputeNode.self, request)
        try restrict(inventory.hostname, context)
        try await controlPlane(context).reportInventory(inventory)
        return Response(status: .noContent)
    }

    @Sendable func heartbeat(_ request: Request, context: ZunRequestContext) async throws -> Response {
        // Decoded straight into its fields: the most frequent request of the protocol (docs/node-protocol.md).
        let body = try await Self.decode(HeartbeatBody.self, request)
        if let other = body.host { try restrict(other, context) }
        if let zone = body.availabilityZone { _ = try SchemaChecks.string("availability_zone", .string(zone), minLength: 1, maxLength: 255) }
        if let endpoint = body.endpoint { _ = try SchemaChecks.string("endpoint", .string(endpoint), minLength: 1, maxLength: 2048) }
        // Held in memory and written with every other host's within a second (HeartbeatBuffer).
        try await controlPlane(context).heartbeat(
            NodeHeartbeat(availabilityZone: body.availabilityZone ?? dependencies.configuration.defaultAvailabilityZone, endpoint: body.endpoint)
        )
        return Response(status: .noContent)
    }

    /// A heartbeat's body: `NodeHeartbeat`'s fields, each optional, and the host it claims to come from, if any.
    struct HeartbeatBody: Decodable {
        var host: String?
        var availabilityZone: String?
        var endpoint: String?

        enum CodingKeys: String, CodingKey {
            case host
            case availabilityZone = "availability_zone"
            case endpoint
        }
    }

    // MARK: Tasks and reports

    /// A long-poll: answers at once with what it claimed, or, with nothing to claim, when a task of the host is
    /// written (or after the request's wait), so that the node claims it with its next request.
    @Sendable func claim(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let claim = try await Self.decode(TaskClaimRequest.self, request)
        guard claim.slots.values.allSatisfy({ (0...TaskClaimRequest.maximumBatch).contains($0) }), claim.running.count <= 10_000,
              claim.leaseSeconds.isFinite, claim.waitSeconds.isFinite, claim.owner.utf8.count <= 255,
              (claim.realizedNetworks ?? []).count <= 10_000, (claim.realizedNetworks ?? []).allSatisfy({ $0.utf8.count <= 64 })
        else { throw ZunError.invalidValue("The claim's slots, lease, wait, owner, running tasks or realized networks are out of bounds.") }
        let plane = try controlPlane(context)
        // A shutting-down replica ends its long-polls at once (the wait ends on cancellation, keeping what was
        // claimed), so that it stops within moments and the nodes poll another replica.
        return try Self.encode(try await cancelWhenGracefulShutdown { try await plane.claimTasks(claim) })
    }

    @Sendable func reports(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let batch = try await Self.decode(ReportBatch.self, request)
        guard batch.reports.count <= ReportBatch.maximumReports else {
            throw ZunError.invalidValue("A batch carries at most \(ReportBatch.maximumReports) reports.")
        }
        let outcomes = try await controlPlane(context).submit(batch.reports)
        return try Self.encode(ReportOutcomes(outcomes: outcomes))
    }

    // MARK: Reads

    /// The records placed on the caller's host, and only those.
    @Sendable func containers(_ request: Request, context: ZunRequestContext) async throws -> Response {
        if let asked = request.uri.queryParameters["host"].map(String.init) { try restrict(asked, context) }
        return try Self.encode(["containers": try await controlPlane(context).containers()])
    }

    @Sendable func container(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let uuid = try context.parameters.require("uuid")
        // Another host's container is as unknown to a node as one that does not exist.
        guard let container = try await controlPlane(context).container(uuid: uuid) else { throw ZunError.containerNotFound(uuid) }
        return try Self.encode(container)
    }

    @Sendable func unfinishedTask(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let uuid = try context.parameters.require("uuid")
        return try Self.encode(["unfinished": try await controlPlane(context).hasUnfinishedTask(containerUUID: uuid)])
    }

    @Sendable func network(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let uuid = try context.parameters.require("uuid")
        guard let network = try await controlPlane(context).network(uuid: uuid) else { throw ZunError.resourceNotFound("Network", uuid) }
        return try Self.encode(network)
    }

    /// The overlay's ports on other hosts, for the caller's VXLAN device (empty unless it has a container there).
    @Sendable func overlayPeers(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let uuid = try context.parameters.require("uuid")
        return try Self.encode(["peers": try await controlPlane(context).overlayPeers(networkUUID: uuid)])
    }

    /// A long-poll: 204 when ports changed on a network the caller realized, or after `?wait=` seconds.
    @Sendable func overlayChanges(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let wait = try request.uri.queryParameters["wait"].map { text -> Double in
            guard let seconds = Double(String(text)), seconds.isFinite, seconds >= 0 else {
                throw ZunError.invalidValue("'wait' must be a number of seconds, not \(text).")
            }
            return seconds
        } ?? 0
        let plane = try controlPlane(context)
        try? await cancelWhenGracefulShutdown { try await plane.waitForOverlayChange(waitSeconds: wait) }
        return Response(status: .noContent)
    }

    @Sendable func volume(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let uuid = try context.parameters.require("uuid")
        guard let volume = try await controlPlane(context).volume(uuid: uuid) else { throw ZunError.resourceNotFound("Volume", uuid) }
        return try Self.encode(volume)
    }

    // MARK: Support

    /// The control plane of the credential's host; heartbeats go to this replica's buffer. A woken long-poll
    /// answers empty and the node claims anew: the node may have died while its poll waited here. A claim's
    /// answer carries the networks the node would otherwise ask for.
    func controlPlane(_ context: ZunRequestContext) throws -> StoreControlPlane {
        let heartbeats = dependencies.heartbeats
        return StoreControlPlane(
            host: try Self.node(context), store: dependencies.store, clock: dependencies.clock, logger: context.logger,
            serviceDownTime: dependencies.configuration.serviceDownTime, recordHeartbeat: { heartbeats.record($0) },
            claimsWhenWoken: false, claimsCarryNetworks: true
        )
    }

    static func node(_ context: ZunRequestContext) throws -> String {
        guard let host = context.nodeHost else { throw ZunError.unauthenticated() }
        return host
    }

    /// NodeRestriction for a host named in a request: it must be the credential's; anything else is the control
    /// plane's logged 403.
    func restrict(_ named: String, _ context: ZunRequestContext) throws {
        let plane = try controlPlane(context)
        guard named == plane.host else { throw plane.restricted("act as host \(named)", attempted: named) }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let buffer = try await request.collectBody(upTo: bodyLimit)
        do {
            return try NodeProtocolCoding.decoder().decode(T.self, from: buffer)
        } catch {
            throw ZunError.schemaValidation("The request body is not a valid \(T.self): \(error)")
        }
    }

    static func encode(_ value: some Encodable) throws -> Response {
        let data = try NodeProtocolCoding.encoder().encode(value)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
