import DockerEngine
import Foundation
import Testing
import ZunCore
import ZunTestSupport

/// rebuild, auto_heal and resize_container on the real engine.
@Suite(.serialized)
struct RebuildEngineTests {
    static let sleeper = #"["sh", "-c", "trap 'exit 0' TERM; sleep 300 & wait"]"#

    @Test func rebuildReplacesTheEngineContainerAndKeepsTheRecord() async throws {
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"{"image": "busybox:1.35", "name": "rb", "command": \#(Self.sleeper)}"#)
            let before = try await h.waitFor(uuid, "Running")
            let oldID = try await h.docker.inspectContainer("zun-\(uuid)", logger: TestSupport.logger)?.id
            #expect(try await h.client.call(.post, "/v1/containers/rb/rebuild?image_driver=glance").status == .badRequest)
            #expect(try await h.client.call(.post, "/v1/containers/rb/rebuild").status == .accepted)
            let after = try await h.waitFor(uuid, "Running")
            #expect(after["name"] as? String == before["name"] as? String)
            let newID = try await h.docker.inspectContainer("zun-\(uuid)", logger: TestSupport.logger)?.id
            #expect(newID != nil && newID != oldID, "a new engine container")
            let rebuild = try #require(try await h.store.actions(containerUUID: uuid).first { $0.action == "rebuild" })
            let events = try await h.store.events(actionID: rebuild.id!).map(\.event)
            #expect(events.contains("compute__do_container_rebuild"))

            // resize_container: 1.19+, answers with the view before the change.
            #expect(try await h.client.call(.post, "/v1/containers/rb/resize_container?memory=128", version: "1.18").status == .notAcceptable)
            let resized = try await h.client.call(.post, "/v1/containers/rb/resize_container?memory=128", version: "1.19")
            #expect(resized.status == .accepted)
            #expect(resized.object["memory"] as? String == "512")
            #expect(try await h.show(uuid)["memory"] as? String == "128")
            let stats = try await h.client.call(.get, "/v1/containers/rb/stats")
            #expect(stats.object["MEM LIMIT(MiB)"] as? Double == 128)
        }
    }

    @Test func autoHealRebuildsAVanishedContainer() async throws {
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"{"image": "busybox:1.35", "command": \#(Self.sleeper), "auto_heal": true}"#)
            try await h.waitFor(uuid, "Running")
            let oldID = try await h.docker.inspectContainer("zun-\(uuid)", logger: TestSupport.logger)?.id
            // `rm -f` kills before it removes; a sync pass can land in between and record the exit
            // (Stopped), and the heal then rebuilds the container as it last knew it: not running (Created).
            // Either way the engine container is new and the record matches it.
            try await h.docker.removeContainer("zun-\(uuid)", force: true, logger: TestSupport.logger)
            let healed: [String: Any] = try await TestSupport.eventually(timeout: .seconds(30)) {
                guard let engine = try await h.docker.inspectContainer("zun-\(uuid)", logger: TestSupport.logger),
                      engine.id != oldID
                else { return nil }
                let view = try await h.show(uuid)
                let expected: Set<String> = engine.state?.running == true ? ["Running"] : ["Created", "Stopped"]
                return expected.contains(view["status"] as? String ?? "") && view["task_state"] is NSNull ? view : nil
            }
            #expect(healed["uuid"] as? String == uuid)
            #expect(try await h.store.actions(containerUUID: uuid).contains { $0.action == "rebuild" })
        }
    }
}

/// A rebuild never destroys what it cannot replace.
@Suite(.serialized)
struct RebuildPullFailureEngineTests {
    @Test func aRebuildWhosePullFailsQuicklyOrHangsKeepsTheContainerRunning() async throws {
        let hanging = try SilentListener()
        defer { hanging.close() }
        let refusing = try SilentListener.closedPort()
        try await EngineHarness.run(configure: { $0.imagePullTimeout = .seconds(3) }) { h in
            let uuid = try await h.create(#"{"image": "busybox:1.35", "command": \#(RebuildEngineTests.sleeper)}"#)
            try await h.waitFor(uuid, "Running")
            let oldID = try await h.docker.inspectContainer("zun-\(uuid)", logger: TestSupport.logger)?.id
            for image in ["127.0.0.1:\(refusing)/busybox:1", "127.0.0.1:\(hanging.port)/busybox:1"] {
                let before = try await h.store.actions(containerUUID: uuid).count
                #expect(try await h.client.call(.post, "/v1/containers/\(uuid)/rebuild?image=\(image)").status == .accepted)
                let action = try await TestSupport.eventually(timeout: .seconds(60)) {
                    let actions = try await h.store.actions(containerUUID: uuid)
                    return actions.count > before && actions[0].action == "rebuild" && actions[0].finishTime != nil ? actions[0] : nil
                }
                #expect(action.message == "Error", "\(image)")
                let events = try await h.store.events(actionID: action.id!)
                #expect(events.first?.result == "Error" && events.first?.traceback?.contains("Failed to pull image") == true, "\(image)")
                let view = try await h.waitFor(uuid, "Running")
                #expect(view["image"] as? String == "busybox:1.35", "\(image)")
                #expect(try await h.docker.inspectContainer("zun-\(uuid)", logger: TestSupport.logger)?.id == oldID, "\(image): the old engine container stays")
            }
            // A rebuild that gets its image replaces the engine container and leaves it running.
            #expect(try await h.client.call(.post, "/v1/containers/\(uuid)/rebuild?image=busybox:1.35").status == .accepted)
            try await TestSupport.eventually(timeout: .seconds(60)) {
                try await h.docker.inspectContainer("zun-\(uuid)", logger: TestSupport.logger)?.id != oldID ? true : nil
            }
            try await h.waitFor(uuid, "Running")
        }
    }
}
