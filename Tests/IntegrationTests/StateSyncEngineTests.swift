import DockerEngine
import Foundation
import Testing
import ZunCore
import ZunTestSupport
@testable import ZunCompute

/// The periodic sync copies the engine's truth into the store.
@Suite(.serialized)
struct StateSyncEngineTests {
    @Test func containerRemovedBehindOurBackIsShownAsError() async throws {
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"{"image": "busybox:1.35", "command": ["sleep", "300"]}"#)
            try await h.waitFor(uuid, "Running")
            try await h.docker.removeContainer("zun-\(uuid)", force: true, logger: TestSupport.logger)
            let view = try await h.waitFor(uuid, "Error", timeout: .seconds(20))
            #expect((view["status_reason"] as? String)?.hasPrefix("No such container:") == true)
        }
    }

    @Test func containerThatExitsIsShownStopped() async throws {
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"{"image": "busybox:1.35", "command": ["sh", "-c", "sleep 1; exit 3"]}"#)
            let view = try await h.waitFor(uuid, "Stopped", timeout: .seconds(20))
            #expect((view["status_detail"] as? String)?.hasPrefix("Exited(3)") == true)
        }
    }

    /// The engine pauses a container while it commits it; a sync pass that inspected it then must not write
    /// `Paused` once the commit is over (the CI flake of the commit test).
    @Test func aSyncPassThatRacedAnActionLeavesTheRecordAlone() async throws {
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"{"image": "busybox:1.35", "command": ["sleep", "300"]}"#)
            try await h.waitFor(uuid, "Running")
            let read = try #require(try await h.store.container(uuid: uuid))
            var inspect = try #require(try await h.docker.inspectContainer("zun-\(uuid)", logger: TestSupport.logger))
            inspect.state?.paused = true
            inspect.state?.status = "paused"
            let records = ContainerStateWriter(agent: h.agent)

            // An action (set and cleared its task state) between the sync's read and its write.
            try await h.store.updateContainer(uuid: uuid) { $0.taskState = .containerPausing }
            try await h.store.updateContainer(uuid: uuid) { $0.taskState = nil }
            #expect(try await records.refreshFromEngine(uuid, inspect: inspect, unchangedSince: read) == nil)
            #expect(try await h.store.container(uuid: uuid)?.status == .running)

            // While an action holds the record.
            let held = try #require(try await h.store.updateContainer(uuid: uuid) { $0.taskState = .containerPausing })
            #expect(try await records.refreshFromEngine(uuid, inspect: inspect, unchangedSince: held) == nil)
            #expect(try await h.store.container(uuid: uuid)?.status == .running)

            // A record nobody touched takes the engine's view. The agent's own sync pass also writes (its
            // status detail "Up N seconds" moves on), so a read it overtook is retried like the next pass would.
            _ = try await h.store.updateContainer(uuid: uuid) { $0.taskState = nil }
            let written = try await TestSupport.eventually(timeout: .seconds(10)) {
                let idle = try #require(try await h.store.container(uuid: uuid))
                return try await records.refreshFromEngine(uuid, inspect: inspect, unchangedSince: idle)
            }
            #expect(written.status == .paused)
        }
    }

    @Test func autoRemoveContainerThatVanishesIsDeleted() async throws {
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"{"image": "busybox:1.35", "command": ["sh", "-c", "sleep 1"], "auto_remove": true}"#)
            try await h.waitFor(uuid, "Deleted", timeout: .seconds(20))
        }
    }
}
