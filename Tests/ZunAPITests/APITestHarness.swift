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

/// Runs requests through the router in process, on a fresh SQLite store, no sockets.
struct APITestHarness {
    let store: SQLStore
    let dependencies: APIDependencies

    static func run(
        configuration: APIConfiguration = APIConfiguration(), _ body: @escaping @Sendable (APITestHarness, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await TestSupport.withStore { store, _ in
            let dependencies = APIDependencies(store: store, nodes: NoNodes(), configuration: configuration)
            let router = try ZunAPIRouter.build(dependencies)
            let app = Application(router: router, logger: TestSupport.logger)
            try await app.test(.router) { client in
                try await body(APITestHarness(store: store, dependencies: dependencies), client)
            }
        }
    }
}

let member = (user: "u1", project: "p1", roles: "member")
let otherMember = (user: "u2", project: "p2", roles: "member")
