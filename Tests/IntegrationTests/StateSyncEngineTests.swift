import DockerEngine
import Foundation
import Testing
import ZunCore
import ZunTestSupport

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

    @Test func autoRemoveContainerThatVanishesIsDeleted() async throws {
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"{"image": "busybox:1.35", "command": ["sh", "-c", "sleep 1"], "auto_remove": true}"#)
            try await h.waitFor(uuid, "Deleted", timeout: .seconds(20))
        }
    }
}
