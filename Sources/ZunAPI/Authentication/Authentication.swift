import HTTPTypes
import Hummingbird
import ZunCore

/// How the API learns who is calling (`--auth-strategy`, docs/authentication.md).
public enum Authentication: Sendable {
    /// Identity headers, trusted as sent: `zun dev` and tests on loopback only.
    case noauth
    /// `X-Auth-Token` validated against Keystone v3, as keystonemiddleware's auth_token does.
    case keystone(KeystoneTokenValidator)
    /// `X-Auth-Token` looked up (by its SHA-256) in a local token file.
    case tokenFile(TokenFile)

    public var name: String {
        switch self {
        case .noauth: "noauth"
        case .keystone: "keystone"
        case .tokenFile: "token-file"
        }
    }

    /// The request's `X-Auth-Token`, if it has a plausible one (Keystone's fernet tokens are under 300 bytes;
    /// anything over 8 KiB is not a token and is never sent on to Keystone).
    static func token(of request: Request) -> String? {
        guard let token = request.headers[.xAuthToken], !token.isEmpty, token.utf8.count <= 8192 else { return nil }
        return token
    }

    /// Adds the authenticator and the 401 gate to `group`: every route added to it afterwards needs a caller.
    func protect(_ group: RouterGroup<ZunRequestContext>) -> RouterGroup<ZunRequestContext> {
        switch self {
        case .noauth:
            // Never 401: every request has an identity.
            return group.add(middleware: NoAuthAuthenticator())
        case .keystone(let validator):
            return group.add(middleware: KeystoneAuthenticator(validator: validator))
                .add(middleware: RequireIdentityMiddleware(challenge: "Keystone uri=\"\(validator.configuration.wwwAuthenticateURI)\""))
        case .tokenFile(let file):
            return group.add(middleware: TokenFileAuthenticator(file: file))
                .add(middleware: RequireIdentityMiddleware(challenge: "Token realm=\"zun\""))
        }
    }
}

extension HTTPField.Name {
    static let xAuthToken = HTTPField.Name("X-Auth-Token")!
    static let xSubjectToken = HTTPField.Name("X-Subject-Token")!
}
