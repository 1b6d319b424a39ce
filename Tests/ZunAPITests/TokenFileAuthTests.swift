import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZunAPI
import ZunCore
import ZunStore
import ZunTestSupport

/// `--auth-strategy token-file` through the router: tokens from `zun token new`'s file, identity headers
/// ignored, the file re-read when it changes (on an injected clock), and a broken file refusing everyone.
struct TokenFileAuthTests {
    struct Fixture {
        let path: String
        let clock: ManualWallClock
        let file: TokenFile
        let alice: String
        let admin: String

        init() throws {
            path = try TestSupport.temporaryDirectory() + "/tokens.yaml"
            alice = TokenFile.generateToken()
            admin = TokenFile.generateToken()
            try TokenFile.append(.init(sha256: TokenFile.digest(of: alice), user_id: "alice", project_id: "alpha", roles: ["member"]), to: path)
            try TokenFile.append(.init(sha256: TokenFile.digest(of: admin), user_id: "root", project_id: "admin", roles: ["admin"]), to: path)
            clock = ManualWallClock(Date())
            file = try TokenFile(path: path, clock: clock, logger: TestSupport.logger)
        }

        var configuration: APIConfiguration {
            var configuration = APIConfiguration()
            configuration.authentication = .tokenFile(file)
            return configuration
        }
    }

    @Test func noTokenOrAWrongOneIs401WithAChallengeAndHeadersAreNotTrusted() async throws {
        let fixture = try Fixture()
        try await APITestHarness.run(configuration: fixture.configuration) { _, client in
            for token in [nil, "", "zun_notissued", fixture.alice + "x", TokenFile.digest(of: fixture.alice)] {
                let reply = try await client.call(.get, "/v1/containers", token: token)
                #expect(reply.status == .unauthorized, "\(token ?? "nil")")
                #expect(reply.headers[HTTPField.Name("WWW-Authenticate")!] == "Token realm=\"zun\"")
                #expect(reply.error["code"] as? String == "container.unauthorized")
            }
            // Authentication comes before the microversion, as in Zun's pipeline.
            #expect(try await client.call(.get, "/v1/containers", version: "9.99").status == .unauthorized)
            // noauth's identity headers claim nothing here.
            let claimed = try await client.call(.get, "/v1/containers?all_projects=true", identity: (user: "root", project: "admin", roles: "admin"))
            #expect(claimed.status == .unauthorized)
            // The version documents stay public, as in Zun.
            #expect(try await client.call(.get, "/", version: nil).status == .ok)
            #expect(try await client.call(.get, "/v1/", version: nil).status == .ok)
        }
    }

    /// Every route of the router, its parameters filled in, answers 401 without a token (the version documents
    /// excepted), and nothing is written.
    @Test func everyEndpointButTheVersionDocumentsNeedsAToken() async throws {
        let fixture = try Fixture()
        try await TestSupport.withStore { store, _ in
            let router = try ZunAPIRouter.build(APIDependencies(store: store, nodes: NoNodes(), configuration: fixture.configuration))
            let routes = router.routes.map { (path: $0.path.description, method: $0.method) }
            #expect(routes.count > 50, "the router lists \(routes.count) routes")
            try await Application(router: router, logger: TestSupport.logger).test(.router) { client in
                for route in routes {
                    let path = route.path.split(separator: "/").map { $0.hasPrefix("{") || $0.hasPrefix(":") ? "x" : String($0) }.joined(separator: "/")
                    let uri = "/" + path
                    let reply = try await client.call(route.method, uri, json: route.method == .get ? nil : "{}")
                    if uri == "/" || uri == "/v1" {
                        #expect(reply.status == .ok, "\(route.method) \(route.path)")
                    } else if !route.path.contains("websocket") && !uri.hasPrefix("/node/") {
                        // (The node protocol takes node credentials: NodeProtocolTests.)
                        #expect(reply.status == .unauthorized, "\(route.method) \(route.path): \(reply.status)")
                    }
                }
            }
            #expect(try await store.listContainers(.init()).isEmpty)
        }
    }

    @Test func aTokenIsItsUserProjectAndRoles() async throws {
        let fixture = try Fixture()
        try await APITestHarness.run(configuration: fixture.configuration) { _, client in
            let made = try await client.call(.post, "/v1/volumes", json: #"{"name": "v1", "size": 1}"#, token: fixture.alice)
            #expect(made.status == .ok || made.status == .accepted || made.status == .created, "\(made.json ?? "")")
            #expect(made.object["project_id"] as? String == "alpha")
            #expect(made.object["user_id"] as? String == "alice")
            #expect(try await client.call(.get, "/v1/volumes?all_projects=true", token: fixture.alice).status == .forbidden)
            let all = try await client.call(.get, "/v1/volumes?all_projects=true", token: fixture.admin)
            #expect(all.status == .ok)
            #expect((all.object["volumes"] as? [[String: Any]] ?? []).contains { $0["project_id"] as? String == "alpha" })
        }
    }

    @Test func theFileIsReloadedWhenItChangesAndABrokenFileRefusesEveryone() async throws {
        let fixture = try Fixture()
        try await APITestHarness.run(configuration: fixture.configuration) { _, client in
            let bob = TokenFile.generateToken()
            try TokenFile.append(.init(sha256: TokenFile.digest(of: bob), user_id: "bob", project_id: "beta", roles: ["member"]), to: fixture.path)
            // Looked at again only once a second has passed.
            #expect(try await client.call(.get, "/v1/containers", token: bob).status == .unauthorized)
            fixture.clock.advance(by: 1.1)
            #expect(try await client.call(.get, "/v1/containers", token: bob).status == .ok)

            // Removing a token revokes it.
            let kept = try String(contentsOfFile: fixture.path, encoding: .utf8)
                .replacingOccurrences(of: TokenFile.digest(of: fixture.alice), with: String(repeating: "0", count: 64))
            try kept.write(toFile: fixture.path, atomically: true, encoding: .utf8)
            fixture.clock.advance(by: 1.1)
            #expect(try await client.call(.get, "/v1/containers", token: fixture.alice).status == .unauthorized)
            #expect(try await client.call(.get, "/v1/containers", token: bob).status == .ok)

            // A file that stops parsing refuses every token until it is fixed.
            try "tokens: [this is not".write(toFile: fixture.path, atomically: true, encoding: .utf8)
            fixture.clock.advance(by: 1.1)
            #expect(try await client.call(.get, "/v1/containers", token: bob).status == .unauthorized)
            #expect(try await client.call(.get, "/v1/containers", token: fixture.admin).status == .unauthorized)
            try kept.write(toFile: fixture.path, atomically: true, encoding: .utf8)
            fixture.clock.advance(by: 1.1)
            #expect(try await client.call(.get, "/v1/containers", token: bob).status == .ok)
        }
    }

    @Test func anExpiredEntryIsRefused() async throws {
        let path = try TestSupport.temporaryDirectory() + "/tokens.yaml"
        let token = TokenFile.generateToken()
        try TokenFile.append(
            .init(sha256: TokenFile.digest(of: token), user_id: "u", project_id: "p", roles: [], expires_at: "2030-01-01T00:00:00Z"), to: path
        )
        let clock = ManualWallClock(ISO8601DateFormatter().date(from: "2029-12-31T23:59:00Z")!)
        let file = try TokenFile(path: path, clock: clock, logger: TestSupport.logger)
        #expect(file.identity(forToken: token)?.projectID == "p")
        clock.advance(by: 60)
        #expect(file.identity(forToken: token) == nil)
    }

    @Test func aFileThatDoesNotCheckOutStopsTheStart() throws {
        let directory = try TestSupport.temporaryDirectory()
        #expect(throws: TokenFile.Invalid.self) { try TokenFile(path: directory + "/missing.yaml", logger: TestSupport.logger) }
        let cases = [
            "tokens: {}",
            // The token itself where its digest belongs: refused, so a raw token never sits in the file.
            "tokens:\n- {sha256: zun_abc, user_id: u, project_id: p, roles: []}",
            "tokens:\n- {sha256: \(String(repeating: "a", count: 64)), user_id: '', project_id: p, roles: []}",
            "tokens:\n- {sha256: \(String(repeating: "a", count: 64)), user_id: u, project_id: p, roles: [], expires_at: soon}",
            "tokens:\n- {sha256: \(String(repeating: "a", count: 64)), user_id: u, project_id: p, roles: []}\n- {sha256: \(String(repeating: "a", count: 64)), user_id: v, project_id: p, roles: []}",
        ]
        for (index, text) in cases.enumerated() {
            let path = directory + "/bad\(index).yaml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: TokenFile.Invalid.self, "\(text)") { try TokenFile(path: path, logger: TestSupport.logger) }
        }
    }

    @Test func issuedTokensAreRandomAndOnlyTheirDigestIsWritten() throws {
        let path = try TestSupport.temporaryDirectory() + "/tokens.yaml"
        let tokens = (0..<50).map { _ in TokenFile.generateToken() }
        #expect(Set(tokens).count == 50)
        #expect(tokens.allSatisfy { $0.hasPrefix("zun_") && $0.count == 44 })
        try TokenFile.append(.init(sha256: TokenFile.digest(of: tokens[0]), user_id: "u", project_id: "p", roles: []), to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains(tokens[0]))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
