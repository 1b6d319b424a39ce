import DockerEngine
import Foundation
import Testing
import ZunCore
import ZunTestSupport

/// Image pull policies against the local registry of ./scripts/test (it holds `busybox:1`).
@Suite(.serialized)
struct ImagePullEngineTests {
    @Test func pullPoliciesAgainstTheLocalRegistry() async throws {
        let image = "\(try TestSupport.registry())/busybox:1"
        try await EngineHarness.run { h in
            try await h.docker.removeImage(image, logger: TestSupport.logger)

            let never = try await h.create(#"{"image": "\#(image)", "image_pull_policy": "never"}"#, run: false)
            let refused = try await h.waitFor(never, "Error")
            let reason = refused["status_reason"] as? String ?? ""
            #expect(reason.contains(image) && reason.contains("Never"), "\(reason)")

            let ifNotPresent = try await h.create(#"{"image": "\#(image)", "image_pull_policy": "IfNotPresent"}"#, run: false)
            try await h.waitFor(ifNotPresent, "Created")
            #expect(try await h.docker.inspectImage(image, logger: TestSupport.logger) != nil)

            let always = try await h.create(#"{"image": "\#(image)", "image_pull_policy": "Always", "command": ["sleep", "60"]}"#)
            try await h.waitFor(always, "Running")

            let neverPresent = try await h.create(#"{"image": "\#(image)", "image_pull_policy": "Never"}"#, run: false)
            try await h.waitFor(neverPresent, "Created")

            // Unset policy with a non-latest tag means IfNotPresent: works without network access.
            let unset = try await h.create(#"{"image": "\#(image)"}"#, run: false)
            try await h.waitFor(unset, "Created")
        }
    }

    @Test func anImageThatCannotBePulledEndsInErrorNamingIt() async throws {
        let image = "\(try TestSupport.registry())/no-such-image:1"
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"{"image": "\#(image)"}"#)
            let view = try await h.waitFor(uuid, "Error")
            let reason = view["status_reason"] as? String ?? ""
            #expect(reason.contains("no-such-image"), "\(reason)")
            let create = try #require(try await h.store.actions(containerUUID: uuid).first)
            let events = try await h.store.events(actionID: create.id!)
            #expect(events.first?.event == "compute__do_container_create")
            #expect(events.first?.result == "Error")
        }
    }
}
