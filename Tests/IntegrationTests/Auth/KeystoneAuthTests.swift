import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZunAPI
import ZunCore
import ZunTestSupport

/// `--auth-strategy keystone` against the real Keystone of ./scripts/test: tokens of real users become
/// identities, projects are isolated, revoked and expired tokens stop working within the cache bound, and an
/// unreachable Keystone or a wrong service password refuses every request.
@Suite(.serialized) struct KeystoneAuthTests {
    struct NoNodes: NodeLocalCallsResolver {
        func calls(forHost host: String) async -> (any NodeLocalCalls)? { nil }
    }

    let keystone: KeystoneFixture

    init() throws { keystone = try KeystoneFixture() }

    func validator(
        cacheTTL: TimeInterval = 300, clock: any WallClock = SystemWallClock(), authURL: String? = nil, password: String? = nil
    ) -> KeystoneTokenValidator {
        KeystoneTokenValidator(
            configuration: KeystoneConfiguration(
                authURL: authURL ?? keystone.url, serviceUser: "zun", serviceProject: "service",
                servicePassword: password ?? keystone.password, cacheTTL: cacheTTL, requestTimeout: 5
            ),
            clock: clock, logger: TestSupport.logger
        )
    }

    func withAPI(_ validator: KeystoneTokenValidator, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var configuration = APIConfiguration()
        configuration.authentication = .keystone(validator)
        try await TestSupport.withStore { store, _ in
            let router = try ZunAPIRouter.build(APIDependencies(store: store, nodes: NoNodes(), configuration: configuration))
            try await Application(router: router, logger: TestSupport.logger).test(.router) { client in try await body(client) }
        }
    }

    @Test func withoutAValidTokenTheAnswerIs401NamingKeystone() async throws {
        let alice = try await keystone.token(user: "alice", project: "alpha")
        try await withAPI(validator()) { client in
            for token in [nil, "", "gAAAAAnotatoken", alice.token + "x"] {
                let reply = try await client.call(.get, "/v1/containers", token: token)
                #expect(reply.status == .unauthorized, "\(token == nil ? "no token" : "bad token")")
                #expect(reply.headers[HTTPField.Name("WWW-Authenticate")!] == "Keystone uri=\"\(keystone.url)\"")
                #expect(reply.error["code"] as? String == "container.unauthorized")
            }
            // Identity headers are not a credential here.
            let claimed = try await client.call(.get, "/v1/containers?all_projects=true", identity: (user: "admin", project: "admin", roles: "admin"))
            #expect(claimed.status == .unauthorized)
            #expect(try await client.call(.get, "/v1/", version: nil).status == .ok)
        }
    }

    @Test func aTokenIsItsUserProjectAndRolesAndProjectsAreIsolated() async throws {
        let alice = try await keystone.token(user: "alice", project: "alpha")
        let bob = try await keystone.token(user: "bob", project: "beta")
        let admin = try await keystone.token(user: "admin", project: "admin")
        try await withAPI(validator()) { client in
            let made = try await client.call(.post, "/v1/volumes", json: #"{"name": "alices", "size": 1}"#, token: alice.token)
            let uuid = try #require(made.object["uuid"] as? String, "\(made.status) \(made.json ?? "")")
            #expect(made.object["project_id"] as? String == alice.projectID)
            #expect(made.object["user_id"] as? String == alice.userID)
            #expect(try await client.call(.get, "/v1/volumes/\(uuid)", token: alice.token).status == .ok)
            // bob (member of beta) finds nothing of alpha, may not list all projects, and changes nothing.
            #expect(try await client.call(.get, "/v1/volumes/\(uuid)", token: bob.token).status == .notFound)
            #expect(try await client.call(.delete, "/v1/volumes/\(uuid)", token: bob.token).status == .notFound)
            let bobs = try await client.call(.get, "/v1/volumes", token: bob.token)
            #expect(bobs.status == .ok)
            #expect((bobs.object["volumes"] as? [[String: Any]] ?? []).isEmpty)
            #expect(try await client.call(.get, "/v1/volumes?all_projects=true", token: bob.token).status == .forbidden)
            // A member may not read hosts; Keystone's admin may, and may list every project.
            #expect(try await client.call(.get, "/v1/hosts", token: alice.token).status == .forbidden)
            #expect(try await client.call(.get, "/v1/hosts", token: admin.token).status == .ok)
            let all = try await client.call(.get, "/v1/volumes?all_projects=true", token: admin.token)
            #expect((all.object["volumes"] as? [[String: Any]] ?? []).contains { $0["uuid"] as? String == uuid })
            #expect(try await client.call(.get, "/v1/volumes/\(uuid)", token: alice.token).status == .ok)
        }
    }

    @Test func aRevokedTokenStopsWorkingOnceItsValidationIsNoLongerCached() async throws {
        let clock = ManualWallClock(Date())
        let cached = validator(cacheTTL: 60, clock: clock)
        let uncached = validator(cacheTTL: 0)
        let alice = try await keystone.token(user: "alice", project: "alpha")
        #expect(try await cached.identity(forToken: alice.token)?.projectID == alice.projectID)
        #expect(try await uncached.identity(forToken: alice.token)?.projectID == alice.projectID)
        try await keystone.revoke(alice.token)
        // Without a cache the revocation holds at once; with one, within its TTL and no later.
        #expect(try await uncached.identity(forToken: alice.token) == nil)
        #expect(try await cached.identity(forToken: alice.token) != nil)
        clock.advance(by: 61)
        #expect(try await cached.identity(forToken: alice.token) == nil)
    }

    @Test func concurrentRequestsWithOneNewTokenMakeOneCallToKeystone() async throws {
        let validator = validator()
        let alice = try await keystone.token(user: "alice", project: "alpha")
        let identities = try await withThrowingTaskGroup(of: Identity?.self) { group in
            for _ in 0..<100 { group.addTask { try await validator.identity(forToken: alice.token) } }
            return try await group.reduce(into: [Identity?]()) { $0.append($1) }
        }
        #expect(identities.count == 100 && identities.allSatisfy { $0?.projectID == alice.projectID })
        #expect(validator.keystoneValidations == 1)
        _ = try await validator.identity(forToken: alice.token)
        #expect(validator.keystoneValidations == 1, "a cached validation asks Keystone nothing")
    }

    @Test func anExpiredTokenIsRefusedEvenWhileCached() async throws {
        let clock = ManualWallClock(Date())
        let validator = validator(cacheTTL: 86_400, clock: clock)
        let alice = try await keystone.token(user: "alice", project: "alpha")
        #expect(try await validator.identity(forToken: alice.token) != nil)
        // The test Keystone's tokens last an hour: two hours on, the cached validation has ended with the
        // token, and the token's own expiry refuses it.
        clock.advance(by: 7_200)
        #expect(try await validator.identity(forToken: alice.token) == nil)
    }

    @Test func anUnreachableKeystoneOrAWrongServicePasswordRefusesEveryRequest() async throws {
        let alice = try await keystone.token(user: "alice", project: "alpha")
        let closed = "http://127.0.0.1:\(try freePort())/v3"
        for broken in [validator(authURL: closed), validator(password: keystone.password + "-wrong")] {
            await #expect(throws: (any Error).self) { try await broken.checkServiceCredential() }
            try await withAPI(broken) { client in
                let reply = try await client.call(.get, "/v1/containers", token: alice.token)
                #expect(reply.status == .serviceUnavailable, "\(reply.status) \(reply.json ?? "")")
                #expect(reply.error["code"] as? String == "container.service-unavailable")
            }
        }
    }
}
