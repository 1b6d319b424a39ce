import Hummingbird
import HummingbirdAuth
import ZunCore

/// `keystone`: the caller is the owner of the `X-Auth-Token` Keystone vouches for.
struct KeystoneAuthenticator: AuthenticatorMiddleware {
    typealias Context = ZunRequestContext
    let validator: KeystoneTokenValidator

    func authenticate(request: Request, context: Context) async throws -> Identity? {
        guard let token = Authentication.token(of: request) else { return nil }
        return try await validator.identity(forToken: token)
    }
}
