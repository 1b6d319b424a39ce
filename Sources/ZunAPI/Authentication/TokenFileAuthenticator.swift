import Hummingbird
import HummingbirdAuth
import ZunCore

/// `token-file`: the caller is the identity the token file grants the `X-Auth-Token`.
struct TokenFileAuthenticator: AuthenticatorMiddleware {
    typealias Context = ZunRequestContext
    let file: TokenFile

    func authenticate(request: Request, context: Context) async throws -> Identity? {
        guard let token = Authentication.token(of: request) else { return nil }
        return file.identity(forToken: token)
    }
}
