import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import ZunAPI
import ZunCore
import ZunStore
import ZunTestSupport

/// The node protocol's first endpoints (docs/node-protocol.md): a host exchanges its bootstrap token once,
/// authenticates with its own credential only, rotates it, and may act only for its own host
/// (NodeRestriction); tenant identities get nothing there.
struct NodeProtocolTests {
    static func call(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, credential: String? = nil, json: String? = nil,
        tenant: Bool = false
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let credential { headers[.authorization] = "Bearer \(credential)" }
        if json != nil { headers[.contentType] = "application/json" }
        if tenant {
            headers[HTTPField.Name("X-User-Id")!] = "admin"
            headers[HTTPField.Name("X-Project-Id")!] = "admin"
            headers[HTTPField.Name("X-Roles")!] = "admin"
        }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        let data = Data(response.body.readableBytesView)
        return Reply(status: response.status, headers: response.headers, json: data.isEmpty ? nil : try? JSONSerialization.jsonObject(with: data))
    }

    /// Enrolls `host` and exchanges its bootstrap token through the API: its credential.
    static func enroll(_ host: String, _ store: SQLStore, _ client: some TestClientProtocol) async throws -> String {
        let bootstrap = try await NodeCredentials(store: store).enroll(host: host)
        let reply = try await call(client, .post, "/node/v1/bootstrap", json: #"{"token": "\#(bootstrap)"}"#)
        #expect(reply.status == .created)
        #expect(reply.object["host"] as? String == host)
        let again = try await call(client, .post, "/node/v1/bootstrap", json: #"{"token": "\#(bootstrap)"}"#)
        #expect(again.status == .unauthorized, "a bootstrap token works once")
        return try #require(reply.object["credential"] as? String)
    }

    @Test func withoutAValidNodeCredentialEveryNodeRouteIs401() async throws {
        try await APITestHarness.run { harness, client in
            for (method, path) in [(HTTPRequest.Method.post, "/node/v1/credential/rotate"), (.post, "/node/v1/heartbeat"), (.get, "/node/v1/containers")] {
                for credential in [nil, "", "zun_node_unknown", TokenFile.generateToken()] {
                    let reply = try await Self.call(client, method, path, credential: credential, json: method == .post ? "{}" : nil)
                    #expect(reply.status == .unauthorized, "\(method) \(path)")
                    #expect(reply.headers[HTTPField.Name("WWW-Authenticate")!] == "Bearer realm=\"zun-node\"")
                }
                // A tenant, even an admin, is not a node.
                #expect(try await Self.call(client, method, path, json: method == .post ? "{}" : nil, tenant: true).status == .unauthorized)
            }
            #expect(try await Self.call(client, .post, "/node/v1/bootstrap", json: #"{"token": "zun_boot_nope"}"#).status == .unauthorized)
            #expect(try await Self.call(client, .post, "/node/v1/bootstrap", json: #"{}"#).status == .badRequest)
            _ = harness
        }
    }

    @Test func aNodeActsOnlyForItsOwnHost() async throws {
        try await APITestHarness.run { harness, client in
            let a = try await Self.enroll("node-a", harness.store, client)
            _ = try await Self.enroll("node-b", harness.store, client)
            try await harness.store.createContainer(TestSupport.container("on-a", host: "node-a"), action: nil, task: nil)
            try await harness.store.createContainer(TestSupport.container("on-b", host: "node-b"), action: nil, task: nil)

            #expect(try await Self.call(client, .post, "/node/v1/heartbeat", credential: a, json: #"{"host": "node-a"}"#).status == .noContent)
            #expect(try await Self.call(client, .post, "/node/v1/heartbeat", credential: a, json: #"{}"#).status == .noContent)
            #expect(try await harness.store.services().isEmpty, "heartbeats wait in memory for the next flush")
            #expect(harness.dependencies.heartbeats.waiting == 1, "two heartbeats of one host are one write")
            try await harness.dependencies.heartbeats.flush()
            let services = try await harness.store.services()
            #expect(services.map(\.host) == ["node-a"], "only node-a's own service record was written")

            // NodeRestriction: node-a's credential may not heartbeat or read as node-b.
            let asB = try await Self.call(client, .post, "/node/v1/heartbeat", credential: a, json: #"{"host": "node-b"}"#)
            #expect(asB.status == .forbidden && asB.error["code"] as? String == "container.node-restriction")
            #expect(try await Self.call(client, .get, "/node/v1/containers?host=node-b", credential: a).status == .forbidden)
            try await harness.dependencies.heartbeats.flush()
            #expect(try await harness.store.services().map(\.host) == ["node-a"])

            let mine = try await Self.call(client, .get, "/node/v1/containers", credential: a)
            let names = (mine.object["containers"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(names == ["on-a"])
        }
    }

    @Test func aRotatedCredentialAndARevokedHost() async throws {
        try await APITestHarness.run { harness, client in
            let old = try await Self.enroll("node-a", harness.store, client)
            let rotated = try await Self.call(client, .post, "/node/v1/credential/rotate", credential: old, json: "{}")
            let new = try #require(rotated.object["credential"] as? String)
            #expect(new != old)
            // Both work within the grace period.
            #expect(try await Self.call(client, .get, "/node/v1/containers", credential: old).status == .ok)
            #expect(try await Self.call(client, .get, "/node/v1/containers", credential: new).status == .ok)
            // Revoked through this API process: its cache forgets the host at once.
            try await NodeCredentials(store: harness.store, cache: harness.dependencies.nodeCredentialCache).revoke(host: "node-a")
            #expect(try await Self.call(client, .get, "/node/v1/containers", credential: old).status == .unauthorized)
            #expect(try await Self.call(client, .get, "/node/v1/containers", credential: new).status == .unauthorized)
        }
    }
}
