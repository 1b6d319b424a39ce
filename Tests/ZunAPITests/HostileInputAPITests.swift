import Foundation
import HummingbirdTesting
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// Requests a hostile member of a project could send: each is a 4xx that names the field, and changes nothing.
struct HostileInputAPITests {
    /// A running container of project `p1` named `web`, as the agent would leave it.
    static func runningContainer(_ harness: APITestHarness, _ client: any TestClientProtocol) async throws -> String {
        try await TestSupport.seedHost(harness.store, host: "node-1")
        let uuid = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "web"}"#).object["uuid"] as! String
        try await harness.store.updateContainer(uuid: uuid) { $0.status = .running; $0.containerID = "abc" }
        return uuid
    }

    @Test(arguments: ["stop", "reboot"], ["9223372036854775807", "9223372036854775808", "3601", "-1", "1e3", "٣"])
    func stopAndRebootTimeoutsAreBounded(_ action: String, _ timeout: String) async throws {
        try await APITestHarness.run { harness, client in
            let uuid = try await Self.runningContainer(harness, client)
            let reply = try await client.call(.post, "/v1/containers/web/\(action)?timeout=\(timeout)")
            #expect(reply.status == .badRequest)
            #expect(reply.errorDetail.contains("'timeout'"), "\(reply.errorDetail)")
            #expect(try await harness.store.tasks(containerUUID: uuid).map(\.kind) == [.create], "a refused action queues nothing")
            #expect(try await harness.store.container(uuid: uuid)?.status == .running)
        }
    }

    @Test func theLargestTimeoutIsAccepted() async throws {
        try await APITestHarness.run { harness, client in
            let uuid = try await Self.runningContainer(harness, client)
            #expect(try await client.call(.post, "/v1/containers/web/stop?timeout=3600").status == .accepted)
            #expect(try await harness.store.tasks(containerUUID: uuid).last?.payload.timeout == 3600)
        }
    }

    @Test func aMarkerOfAnotherProjectIsUnknownLikeARandomUUID() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let theirs = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "theirs"}"#, identity: otherMember)
            let theirUUID = try #require(theirs.object["uuid"] as? String)
            _ = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "mine"}"#, identity: member)
            let random = UUID().uuidString.lowercased()
            for marker in [theirUUID, random] {
                let reply = try await client.call(.get, "/v1/containers?marker=\(marker)&sort_key=name", identity: member)
                #expect(reply.status == .notFound)
                #expect(reply.errorDetail == "Container \(marker) could not be found.")
            }
            // The admin listing every project may page from it.
            #expect(try await client.call(.get, "/v1/containers?all_projects=1&marker=\(theirUUID)").status == .ok)
        }
    }

    @Test(arguments: ["different_host", "same_host"])
    func hintsNamingContainersTheCallerCannotSeeAreRefusedLikeUnknownOnes(_ hint: String) async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let theirs = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox"}"#, identity: otherMember)
            let theirUUID = try #require(theirs.object["uuid"] as? String)
            let random = UUID().uuidString.lowercased()
            var details: [String] = []
            for target in [theirUUID, random] {
                let reply = try await client.call(
                    .post, "/v1/containers", json: #"{"image": "busybox", "hints": {"\#(hint)": "\#(target)"}}"#, identity: member
                )
                #expect(reply.status == .badRequest)
                details.append(reply.errorDetail.replacingOccurrences(of: target, with: "<uuid>"))
            }
            #expect(details[0] == details[1], "the same words for both")
            #expect(try await harness.store.listContainers(.init(projectID: "p1")).isEmpty, "a refused create leaves no record")
            #expect(try await harness.store.listNetworks(visibleTo: "p1").isEmpty, "nor a default network")
            // One's own container is fine.
            let mine = try #require(try await client.call(.post, "/v1/containers", json: #"{"image": "busybox"}"#, identity: member).object["uuid"] as? String)
            #expect(try await client.call(
                .post, "/v1/containers", json: #"{"image": "busybox", "hints": {"\#(hint)": "\#(mine)"}}"#, identity: member
            ).status != .badRequest)
        }
    }

    @Test func anImageAnotherProjectCommittedIsNotFound() async throws {
        try await APITestHarness.run { harness, client in
            _ = try await Self.runningContainer(harness, client)  // the admin's `web`
            let theirs = ProjectImages.namespace(of: "p2") + "/app:1"
            let reply = try await client.call(.post, "/v1/containers", json: #"{"image": "\#(theirs)"}"#, identity: member)
            #expect(reply.status == .notFound)
            #expect(reply.error["code"] as? String == "container.image-not-found")
            #expect(try await harness.store.listContainers(.init(projectID: "p1")).isEmpty)
            let own = ProjectImages.namespace(of: "p1") + "/app:1"
            #expect(try await client.call(.post, "/v1/containers", json: #"{"image": "\#(own)"}"#, identity: member).status == .accepted)
            #expect(try await client.call(.post, "/v1/containers/web/rebuild?image=\(theirs)").status == .accepted, "the admin may")
        }
    }

    /// Repository and tag follow Docker's reference grammar (each value is percent-encoded into the query).
    static let badCommitNames: [(repository: String, tag: String?, field: String)] =
        ["UPPER", "a:b:c", "../../x", String(repeating: "r", count: 300), "a b"].map { ($0, nil, "'repository'") }
        + ["with space", ".dot", String(repeating: "t", count: 200)].map { ("app", $0, "'tag'") }

    @Test(arguments: badCommitNames)
    func commitNamesFollowDockersGrammar(_ repository: String, _ tag: String?, _ field: String) async throws {
        try await APITestHarness.run { harness, client in
            _ = try await Self.runningContainer(harness, client)
            func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
            let query = "repository=\(encoded(repository))" + (tag.map { "&tag=\(encoded($0))" } ?? "")
            let reply = try await client.call(.post, "/v1/containers/web/commit?\(query)")
            #expect(reply.status == .badRequest)
            #expect(reply.errorDetail.contains(field), "\(reply.errorDetail)")
        }
    }

    @Test(arguments: ["-o%20user%3B", "%00", "--help%7C", String(repeating: "a", count: 300)])
    func psArgsOutsideTheirAlphabetAre400(_ query: String) async throws {
        try await APITestHarness.run { harness, client in
            _ = try await Self.runningContainer(harness, client)
            let reply = try await client.call(.get, "/v1/containers/web/top?ps_args=\(query)")
            #expect(reply.status == .badRequest)
            #expect(reply.errorDetail.contains("'ps_args'"))
        }
    }

    @Test(arguments: ["/tmp%00x", "/" + String(repeating: "p", count: 5000)])
    func archivePathsAreBounded(_ path: String) async throws {
        try await APITestHarness.run { harness, client in
            _ = try await Self.runningContainer(harness, client)
            #expect(try await client.call(.get, "/v1/containers/web/get_archive?path=\(path)").status == .badRequest)
            let put = try await client.call(.post, "/v1/containers/web/put_archive?path=\(path)", json: #"{"data": ""}"#)
            #expect(put.status == .badRequest)
        }
    }

    @Test(arguments: ["bm90IGEgdGFy", "", "!!"])
    func archiveDataThatIsNotATarIs400(_ data: String) async throws {
        try await APITestHarness.run { harness, client in
            _ = try await Self.runningContainer(harness, client)
            let reply = try await client.call(.post, "/v1/containers/web/put_archive", json: #"{"path": "/tmp", "data": "\#(data)"}"#)
            #expect(reply.status == .badRequest, "\(reply.json ?? "")")
        }
    }

    @Test func anExecCommandIsBounded() async throws {
        try await APITestHarness.run { harness, client in
            _ = try await Self.runningContainer(harness, client)
            let reply = try await client.call(.post, "/v1/containers/web/execute?command=\(String(repeating: "a", count: 66_000))")
            #expect(reply.status == .badRequest)
            #expect(reply.errorDetail.contains("'command'"))
        }
    }
}
