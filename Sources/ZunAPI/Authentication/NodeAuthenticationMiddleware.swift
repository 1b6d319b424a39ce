import Hummingbird
import ZunCore

/// The node protocol's gate (docs/node-protocol.md): `Authorization: Bearer zun_node_…` names the host the
/// request acts for, and nothing in the request can name another. No credential, or one that is unknown,
/// revoked or past its grace, is a 401. Tenant tokens and identity headers mean nothing here.
struct NodeAuthenticationMiddleware: RouterMiddleware {
    typealias Context = ZunRequestContext
    let credentials: NodeCredentials

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var error = ZunError.unauthenticated("A node credential is required: Authorization: Bearer <credential>.")
        error.headers["WWW-Authenticate"] = "Bearer realm=\"zun-node\""
        guard let credential = Self.credential(of: request) else { throw error }
        guard let host = try await credentials.host(ofCredential: credential) else {
            context.logger.warning("node credential refused", metadata: ["token_fingerprint": "\(TokenDigest.fingerprint(credential))"])
            throw error
        }
        var context = context
        context.nodeHost = host
        context.logger[metadataKey: "node"] = "\(host)"
        return try await next(request, context)
    }

    /// The request's `Authorization: Bearer …` credential (at most 1 KiB of header, never looked up beyond).
    static func credential(of request: Request) -> String? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "), header.utf8.count <= 1024 else { return nil }
        return String(header.dropFirst("Bearer ".count))
    }
}
