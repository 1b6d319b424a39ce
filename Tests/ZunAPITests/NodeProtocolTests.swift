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
            for bad in [#"{"availability_zone": 5}"#, #"{"endpoint": ""}"#, #"{"host": ["node-a"]}"#, #"[]"#, "not json"] {
                #expect(try await Self.call(client, .post, "/node/v1/heartbeat", credential: a, json: bad).status == .badRequest, "\(bad)")
            }
            // The overlay long-poll: a bad wait is a 400; no wait answers at once.
            for bad in ["abc", "-1", "nan"] {
                #expect(try await Self.call(client, .get, "/node/v1/overlay/changes?wait=\(bad)", credential: a).status == .badRequest, "\(bad)")
            }
            #expect(try await Self.call(client, .get, "/node/v1/overlay/changes", credential: a).status == .noContent)
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

    /// The NodeRestriction matrix (docs/node-protocol.md): node-a's credential, on every route of the node
    /// protocol, against node-b's host record, containers, tasks and volumes. Every attempt is refused (403, or
    /// 404 where existence is itself hidden), nothing of node-b's changes, and node-a's own work still goes.
    @Test func nodeRestrictionMatrix() async throws {
        try await APITestHarness.run { harness, client in
            let store = harness.store
            let a = try await Self.enroll("node-a", store, client)
            _ = try await Self.enroll("node-b", store, client)
            let now = Date()
            func seed(_ name: String, _ host: String) async throws -> (Container, Int64) {
                let container = TestSupport.container(name, host: host)
                let task = ComputeTask(host: host, containerUUID: container.uuid, kind: .create, payload: .init(requestID: "req-\(name)"), createdAt: now)
                let action = ContainerAction(action: "create", containerUUID: container.uuid, requestID: "req-\(name)", userID: "u", projectID: "p1", startTime: now)
                try await store.createContainer(container, action: action, task: task)
                return (container, try #require(try await store.tasks(containerUUID: container.uuid).first?.id))
            }
            let (onA, taskOfA) = try await seed("on-a", "node-a")
            let (onB, taskOfB) = try await seed("on-b", "node-b")
            let storedB = try await store.container(uuid: onB.uuid)
            var volume = Volume(uuid: UUID().uuidString.lowercased(), name: "vb", projectID: "p1", userID: "u", kind: .volume, size: 1, autoRemove: false, createdAt: now)
            volume.host = "node-b"
            try await store.createVolume(volume)

            func refused(_ reply: Reply, _ what: String) {
                #expect(reply.status == .forbidden, "\(what): \(reply.status)")
                #expect(reply.error["code"] as? String == "container.node-restriction", "\(what)")
            }
            let encoder = NodeProtocolCoding.encoder()
            func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }

            // Naming node-b in a body or query.
            var inventory = ComputeNode(uuid: "", hostname: "node-b")
            inventory.cpus = 64
            refused(try await Self.call(client, .post, "/node/v1/register", credential: a, json: try json(NodeRegistration(inventory: inventory, heartbeat: .init(availabilityZone: "nova", endpoint: "http://evil")))), "register as node-b")
            refused(try await Self.call(client, .post, "/node/v1/inventory", credential: a, json: try json(inventory)), "inventory of node-b")
            refused(try await Self.call(client, .post, "/node/v1/heartbeat", credential: a, json: #"{"host": "node-b"}"#), "heartbeat as node-b")
            refused(try await Self.call(client, .get, "/node/v1/containers?host=node-b", credential: a), "list node-b's containers")
            // Reading node-b's records: as unknown as records that do not exist.
            #expect(try await Self.call(client, .get, "/node/v1/containers/\(onB.uuid)", credential: a).status == .notFound)
            #expect(try await Self.call(client, .get, "/node/v1/volumes/\(volume.uuid)", credential: a).status == .notFound)
            let unfinished = try await Self.call(client, .get, "/node/v1/containers/\(onB.uuid)/unfinished-task", credential: a)
            #expect(unfinished.object["unfinished"] as? Bool == false)

            // Reports about node-b's container, task and volume, one batch: each refused on its own.
            let observation = EngineObservation(containerID: "x", status: .running, detail: nil, reason: nil, neverStarted: false, hostname: nil, exposedPorts: nil, networks: nil)
            let foreignTask = ComputeTask(host: "node-b", containerUUID: onA.uuid, kind: .delete, payload: .init(requestID: "r"), createdAt: now)
            let attempts: [NodeReport] = [
                .container(uuid: onB.uuid, report: .observed(observation), actions: [], tasks: []),
                .container(uuid: onA.uuid, report: .healing, actions: [], tasks: [foreignTask]),
                .taskFinished(id: taskOfB, error: nil),
                .taskDeferred(id: taskOfB, seconds: 0),
                .eventStarted(containerUUID: onB.uuid, requestID: "req-on-b", event: "compute__do_container_create"),
                .eventFinished(containerUUID: onB.uuid, requestID: "req-on-b", event: "compute__do_container_create", result: "Success", traceback: nil),
                .actionFinished(containerUUID: onB.uuid, requestID: "req-on-b", failed: true),
                .networkDetached(containerUUID: onB.uuid, networkUUID: "n"),
                .volumePlaced(uuid: volume.uuid),
                .containerDestroyed(uuid: onB.uuid),
            ]
            let reply = try await Self.call(client, .post, "/node/v1/reports", credential: a, json: try json(ReportBatch(reports: attempts)))
            #expect(reply.status == .ok)
            let outcomes = try NodeProtocolCoding.decoder().decode(ReportOutcomes.self, from: try JSONSerialization.data(withJSONObject: reply.object)).outcomes
            #expect(outcomes.count == attempts.count)
            for (attempt, outcome) in zip(attempts, outcomes) {
                guard case .refused(let error) = outcome else {
                    Issue.record("applied: \(attempt)")
                    continue
                }
                #expect(error.kind == .forbidden && error.code == "node-restriction", "\(attempt)")
            }

            // A claim takes node-a's task only.
            let claim = TaskClaimRequest(slots: [.operations: 8, .graceful: 8], owner: "node-a/test", leaseSeconds: 60, waitSeconds: 0)
            let claimed = try await Self.call(client, .post, "/node/v1/tasks/claim", credential: a, json: try json(claim))
            let tasks = (claimed.object["tasks"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            #expect(tasks == [Int(taskOfA)])

            // Nothing of node-b's changed.
            #expect(try await store.container(uuid: onB.uuid) == storedB)
            #expect(try await store.task(id: taskOfB)?.state == .pending)
            #expect(try await store.volume(uuid: volume.uuid)?.host == "node-b")
            #expect(try await store.computeNode(ident: "node-b") == nil)
            #expect(try await store.actions(containerUUID: onB.uuid).first?.finishTime == nil)
            try await harness.dependencies.heartbeats.flush()
            #expect(try await store.services().contains { $0.host == "node-b" } == false)

            // node-a's own report still goes.
            let own = try await Self.call(client, .post, "/node/v1/reports", credential: a, json: try json(ReportBatch(reports: [.taskFinished(id: taskOfA, error: nil)])))
            #expect((own.object["outcomes"] as? [Any])?.count == 1)
            #expect(try await store.task(id: taskOfA)?.state == .done)
        }
    }
}
