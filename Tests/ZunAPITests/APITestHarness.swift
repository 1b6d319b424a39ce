import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import ZunAPI
import ZunCore
import ZunStore
import ZunTestSupport

/// No compute host answers node-local calls in the in-process API tests.
struct NoNodes: NodeLocalCallsResolver {
    func calls(forHost host: String) async -> (any NodeLocalCalls)? { nil }
}

/// A decoded API reply.
struct Reply {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var json: Any?

    var object: [String: Any] { json as? [String: Any] ?? [:] }
    /// `errors[0]` of Zun's error body.
    var error: [String: Any] { (object["errors"] as? [[String: Any]])?.first ?? [:] }
    var errorDetail: String { error["detail"] as? String ?? "" }
}

/// Runs requests through the router in process, on a fresh SQLite store, no sockets.
struct APITestHarness {
    let store: SQLiteStore

    static func run(
        configuration: APIConfiguration = APIConfiguration(), _ body: @escaping @Sendable (APITestHarness, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await TestSupport.withStore { store, _ in
            let router = try ZunAPIRouter.build(APIDependencies(store: store, nodes: NoNodes(), configuration: configuration))
            let app = Application(router: router, logger: TestSupport.logger)
            try await app.test(.router) { client in
                try await body(APITestHarness(store: store), client)
            }
        }
    }
}

extension TestClientProtocol {
    /// Sends a request with a microversion and (optionally) a caller identity.
    func call(
        _ method: HTTPRequest.Method, _ uri: String, version: String? = "1.40", json: String? = nil,
        identity: (user: String, project: String, roles: String)? = nil, contentType: String? = "application/json"
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let version { headers[HTTPField.Name("OpenStack-API-Version")!] = "container \(version)" }
        if let identity {
            headers[HTTPField.Name("X-User-Id")!] = identity.user
            headers[HTTPField.Name("X-Project-Id")!] = identity.project
            headers[HTTPField.Name("X-Roles")!] = identity.roles
        }
        if json != nil, let contentType { headers[.contentType] = contentType }
        let response = try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        let data = Data(response.body.readableBytesView)
        let parsed = data.isEmpty ? nil : try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        return Reply(status: response.status, headers: response.headers, json: parsed)
    }
}

let member = (user: "u1", project: "p1", roles: "member")
let otherMember = (user: "u2", project: "p2", roles: "member")
