import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ZunTestSupport

/// The real Keystone of ./scripts/test (scripts/lib/keystone.sh): projects admin, service, alpha and beta,
/// users admin, zun (the service user), alice (member of alpha) and bob (member of beta), one password.
struct KeystoneFixture {
    let url: String
    let password: String

    init() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["ZUN_TEST_KEYSTONE"], !url.isEmpty,
              let password = environment["ZUN_TEST_KEYSTONE_PASSWORD"], !password.isEmpty
        else {
            throw MissingEnvironment(
                "no Keystone: run ./scripts/test (it starts one with scripts/lib/keystone.sh and sets ZUN_TEST_KEYSTONE and ZUN_TEST_KEYSTONE_PASSWORD)"
            )
        }
        self.url = url
        self.password = password
    }

    struct Token {
        var token: String
        var projectID: String
        var userID: String
    }

    /// A project-scoped token of `user` in `project`.
    func token(user: String, project: String) async throws -> Token {
        let body = """
            {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "\(user)", "domain": {"id": "default"}, "password": "\(password)"}}},
             "scope": {"project": {"name": "\(project)", "domain": {"id": "default"}}}}}
            """
        var request = HTTPClientRequest(url: url + "/auth/tokens")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .created, let token = response.headers.first(name: "X-Subject-Token") else {
            throw MissingEnvironment("keystone refused \(user) in \(project): \(response.status)")
        }
        let object = try JSONSerialization.jsonObject(with: Data(buffer: data)) as? [String: Any]
        let scoped = object?["token"] as? [String: Any]
        let projectID = (scoped?["project"] as? [String: Any])?["id"] as? String ?? ""
        let userID = (scoped?["user"] as? [String: Any])?["id"] as? String ?? ""
        return Token(token: token, projectID: projectID, userID: userID)
    }

    /// Revokes `token` (`DELETE /v3/auth/tokens`, by the token itself).
    func revoke(_ token: String) async throws {
        var request = HTTPClientRequest(url: url + "/auth/tokens")
        request.method = .DELETE
        request.headers.add(name: "X-Auth-Token", value: token)
        request.headers.add(name: "X-Subject-Token", value: token)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        guard response.status == .noContent else { throw MissingEnvironment("keystone did not revoke: \(response.status)") }
    }
}
