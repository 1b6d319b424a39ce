import Foundation
import Hummingbird
import Logging
import ZunCore
import ZunStore

/// The first endpoints of the node protocol (docs/node-protocol.md): a host exchanges its bootstrap token,
/// rotates its credential, heartbeats and reads its own containers. NodeRestriction: the host a request acts
/// for is the credential's, and a request naming another host is a 403, logged.
struct NodeProtocolController {
    let dependencies: APIDependencies
    var credentials: NodeCredentials {
        NodeCredentials(store: dependencies.store, clock: dependencies.clock, cache: dependencies.nodeCredentialCache)
    }

    /// `POST /node/v1/bootstrap`: the one route a host reaches without a credential.
    var publicRoutes: RouteCollection<ZunRequestContext> {
        let routes = RouteCollection(context: ZunRequestContext.self)
        routes.post("/bootstrap", use: bootstrap)
        return routes
    }

    var routes: RouteCollection<ZunRequestContext> {
        let routes = RouteCollection(context: ZunRequestContext.self)
        routes.post("/credential/rotate", use: rotate)
        routes.post("/heartbeat", use: heartbeat)
        routes.get("/containers", use: containers)
        return routes
    }

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
        return try JSONResponse.make(JSONValue.object(["host": .string(host), "credential": .string(credential)]), status: .created)
    }

    @Sendable func rotate(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let host = try Self.node(context)
        guard let current = NodeAuthenticationMiddleware.credential(of: request), let next = try await credentials.rotate(credential: current) else {
            throw ZunError.unauthenticated()
        }
        context.logger.notice("node credential rotated", metadata: ["node": "\(host)"])
        return try JSONResponse.make(JSONValue.object(["host": .string(host), "credential": .string(next)]))
    }

    @Sendable func heartbeat(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let host = try Self.node(context)
        let body = try await JSONBody.object(request, context)
        try Self.restrict(body["host"], to: host, action: "heartbeat", context)
        let zone = try body["availability_zone"].flatMap { try SchemaChecks.string("availability_zone", $0, minLength: 1, maxLength: 255) }
        let endpoint = try body["endpoint"].flatMap { try SchemaChecks.string("endpoint", $0, minLength: 1, maxLength: 2048) }
        // Held in memory and written with every other host's within a second (HeartbeatBuffer).
        dependencies.heartbeats.record(Heartbeat(
            host: host, availabilityZone: zone ?? dependencies.configuration.defaultAvailabilityZone, endpoint: endpoint,
            at: dependencies.clock.now
        ))
        return Response(status: .noContent)
    }

    /// The records placed on the caller's host, and only those.
    @Sendable func containers(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let host = try Self.node(context)
        if let asked = request.uri.queryParameters["host"].map(String.init) {
            try Self.restrict(.string(asked), to: host, action: "list containers", context)
        }
        let records = try await dependencies.store.containers(onHost: host)
        return try JSONResponse.make(["containers": records])
    }

    static func node(_ context: ZunRequestContext) throws -> String {
        guard let host = context.nodeHost else { throw ZunError.unauthenticated() }
        return host
    }

    /// NodeRestriction: a request may name only its own host; anything else is refused and logged.
    static func restrict(_ named: JSONValue?, to host: String, action: String, _ context: ZunRequestContext) throws {
        guard let named, named != .null else { return }
        guard case .string(let other) = named, other == host else {
            context.logger.warning(
                "node tried to act as another host", metadata: ["node": "\(host)", "attempted": "\(named)", "action": "\(action)"]
            )
            throw ZunError(.forbidden, code: "node-restriction", message: "A node may \(action) only for its own host \(host).")
        }
    }
}
