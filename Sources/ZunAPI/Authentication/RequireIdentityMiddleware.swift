import Hummingbird
import ZunCore

/// Lets a request on only once an authenticator set its identity; otherwise 401 with the
/// `WWW-Authenticate` challenge OpenStack services send (`Keystone uri="…"`), so a client knows where to
/// get a token. The same answer for a missing, malformed, expired or revoked token: which one it was is
/// none of the caller's business.
struct RequireIdentityMiddleware: RouterMiddleware {
    typealias Context = ZunRequestContext
    /// The `WWW-Authenticate` value.
    let challenge: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.identity != nil else {
            var error = ZunError.unauthenticated()
            error.headers["WWW-Authenticate"] = challenge
            throw error
        }
        return try await next(request, context)
    }
}
