import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// pause/unpause/kill/reboot/rename/PATCH at the API: states, parameters, versions; the store plays the agent.
struct ContainerActionsAPITests {
    @Test func lifecycleActionsCheckStateAndRecordTasks() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let uuid = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "web"}"#).object["uuid"] as! String
            for action in ["pause", "unpause", "kill", "reboot"] {
                let reply = try await client.call(.post, "/v1/containers/web/\(action)")
                #expect(reply.status == .conflict, "\(action) of a Creating container")
                #expect(reply.errorDetail == "Cannot \(action) container \(uuid) in Creating state.")
            }
            try await harness.store.updateContainer(uuid: uuid) { $0.status = .running; $0.containerID = "abc" }
            #expect(try await client.call(.post, "/v1/containers/web/unpause").status == .conflict)
            #expect(try await client.call(.post, "/v1/containers/web/kill?signal=SIGWHAT").status == .badRequest)
            #expect(try await client.call(.post, "/v1/containers/web/kill?signal=term").status == .accepted)
            #expect(try await harness.store.tasks(containerUUID: uuid).last?.payload.signal == "SIGTERM")
            #expect(try await client.call(.post, "/v1/containers/web/reboot?timeout=abc").status == .badRequest)
            #expect(try await client.call(.post, "/v1/containers/web/reboot?timeout=3").status == .accepted)
            #expect(try await harness.store.container(uuid: uuid)?.status == .restarting)
            #expect(try await harness.store.tasks(containerUUID: uuid).map(\.kind) == [.create, .kill, .reboot])
            #expect(try await harness.store.actions(containerUUID: uuid).map(\.action).sorted() == ["create", "kill", "reboot"])
        }
    }

    @Test(arguments: [("9", "9"), ("KILL", "SIGKILL"), ("sigusr1", "SIGUSR1"), ("None", nil)] as [(String, String?)])
    func killSignalsAreNormalised(_ given: String, _ expected: String?) async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let uuid = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox"}"#).object["uuid"] as! String
            try await harness.store.updateContainer(uuid: uuid) { $0.status = .running; $0.containerID = "abc" }
            #expect(try await client.call(.post, "/v1/containers/\(uuid)/kill?signal=\(given)").status == .accepted)
            #expect(try await harness.store.tasks(containerUUID: uuid).last?.payload.signal == expected)
        }
    }

    @Test func renameOnlyUpTo113AndPatchNameAndAutoHeal() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let uuid = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "old"}"#).object["uuid"] as! String
            #expect(try await client.call(.post, "/v1/containers/old/rename?name=new", version: "1.14").status == .notAcceptable)
            #expect(try await client.call(.post, "/v1/containers/old/rename?name=old", version: "1.13").status == .conflict)
            #expect(try await client.call(.post, "/v1/containers/old/rename?name=-x", version: "1.13").status == .badRequest)
            let renamed = try await client.call(.post, "/v1/containers/old/rename?name=new", version: "1.13")
            #expect(renamed.object["name"] as? String == "new")
            // PATCH needs a state that allows update.
            #expect(try await client.call(.patch, "/v1/containers/new", json: #"{"name": "newer"}"#).status == .conflict)
            try await harness.store.updateContainer(uuid: uuid) { $0.status = .stopped; $0.containerID = "abc" }
            let patched = try await client.call(.patch, "/v1/containers/new", json: #"{"name": "newer", "auto_heal": true}"#)
            #expect(patched.status == .ok)
            #expect(patched.object["name"] as? String == "newer")
            #expect(patched.object["auto_heal"] as? Bool == true)
            #expect(try await client.call(.patch, "/v1/containers/newer", json: #"{"image": "x"}"#).status == .badRequest)
            #expect(try await client.call(.patch, "/v1/containers/newer", json: #"{"memory": 1}"#).status == .badRequest)
            // cpu/memory go to the host first; with no host answering that is a 503, and nothing changes.
            #expect(try await client.call(.patch, "/v1/containers/newer", json: #"{"memory": 256}"#).status.code == 503)
            #expect(try await harness.store.container(uuid: uuid)?.memory == "512")
        }
    }

    @Test func rebuildWithAJSONBodyIsReadOnceAndPlusIsASpace() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let uuid = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "web"}"#).object["uuid"] as! String
            try await harness.store.updateContainer(uuid: uuid) { $0.status = .stopped; $0.containerID = "abc" }
            // python-zunclient sends action parameters in a JSON body: reading it twice used to crash the server.
            let rebuilt = try await client.call(.post, "/v1/containers/web/rebuild", json: #"{"image": "busybox:1.35"}"#)
            #expect(rebuilt.status == .accepted)
            let record = try await harness.store.container(uuid: uuid)
            #expect(record?.status == .rebuilding)
            // The record keeps its image until the host runs the new one.
            #expect(record?.image == "busybox")
            let task = try await harness.store.tasks(containerUUID: uuid).last
            #expect(task?.kind == .rebuild && task?.payload.image == "busybox:1.35")
            // Form encoding: `+` is a space in query values.
            _ = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "web2"}"#)
            let listed = try await client.call(.get, "/v1/containers?image=busybox&name=web2+")
            #expect((listed.object["containers"] as? [Any])?.isEmpty == true, "'web2 ' is not 'web2'")
        }
    }
}
