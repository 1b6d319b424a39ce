import Foundation
import Hummingbird
import HummingbirdAuth
import ZunCore

/// `noauth` (`zun dev`, tests): the caller is whoever `X-User-Id` / `X-Project-Id` / `X-Roles` say, and a
/// request without any of them is the dev admin. Anyone who reaches the API can claim anything, which is why
/// `zun api` refuses it beyond loopback unless told `--insecure-noauth` (docs/authentication.md).
struct NoAuthAuthenticator: AuthenticatorMiddleware {
    typealias Context = ZunRequestContext

    func authenticate(request: Request, context: Context) async throws -> Identity? {
        Self.identity(from: request.headers)
    }

    static func identity(from headers: HTTPFields) -> Identity {
        let user = headers[.xUserID]
        let project = headers[.xProjectID]
        let roles = headers[.xRoles]
        if user == nil && project == nil && roles == nil { return .devAdmin }
        return Identity(
            userID: user ?? "", projectID: project ?? "",
            roles: (roles ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        )
    }
}
