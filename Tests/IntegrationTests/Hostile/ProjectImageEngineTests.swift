import Foundation
import Testing
import ZunCore
import ZunTestSupport

/// Images on a host are one engine namespace; projects must still not reach each other's through it.
@Suite(.serialized)
struct ProjectImageEngineTests {
    @Test func aProjectsCommitCannotReplaceOrBeRunByAnotherProject() async throws {
        try await DevProcess.run { dev in
            // B writes a file in its container and commits it under the name A runs.
            let b = try await HostileProcessTests.sleeper(dev, tenantB, name: "b-src")
            try await dev.waitFor(b, "Running", identity: tenantB)
            let write = try await dev.call(.POST, "/v1/containers/\(b)/execute?command=sh+-c+%22echo+b-secret+%3E+/secret%22", identity: tenantB)
            #expect(write.object["exit_code"] as? Int == 0, "\(write.json ?? "")")
            let commit = try await dev.call(.POST, "/v1/containers/\(b)/commit?repository=busybox&tag=1.35", identity: tenantB)
            #expect(commit.status.code == 202, "\(commit.json ?? "")")
            let imageID = try #require(commit.object["uuid"] as? String)

            // A's busybox:1.35 is still the original.
            let a = try await dev.call(
                .POST, "/v1/containers?run=true", json: #"{"image": "busybox:1.35", "command": ["sh", "-c", "cat /secret; echo done"]}"#, identity: tenantA
            ).object["uuid"] as! String
            try await dev.waitFor(a, "Stopped", identity: tenantA)
            let logs = try await dev.call(.GET, "/v1/containers/\(a)/logs", identity: tenantA).json as? String ?? ""
            #expect(logs.contains("done") && !logs.contains("b-secret"), "\(logs)")

            // B's commit is in B's namespace, where B runs it.
            let own = try await dev.call(
                .POST, "/v1/containers?run=true", json: #"{"image": "zun-pb/busybox:1.35", "command": ["cat", "/secret"]}"#, identity: tenantB
            ).object["uuid"] as! String
            try await dev.waitFor(own, "Stopped", identity: tenantB)
            #expect((try await dev.call(.GET, "/v1/containers/\(own)/logs", identity: tenantB).json as? String)?.contains("b-secret") == true)

            // A cannot run it by name (404, like a missing image) ...
            let byName = try await dev.call(.POST, "/v1/containers", json: #"{"image": "zun-pb/busybox:1.35"}"#, identity: tenantA)
            #expect(byName.status.code == 404)
            #expect(byName.error["code"] as? String == "container.image-not-found")
            // ... nor by its image id: the agent finds B's project label on it.
            let byID = try await dev.call(.POST, "/v1/containers?run=true", json: #"{"image": "\#(imageID)", "command": ["cat", "/secret"]}"#, identity: tenantA)
            #expect(byID.status.code == 202)
            let refused = try await dev.waitFor(byID.object["uuid"] as! String, "Error", identity: tenantA)
            #expect((refused["status_reason"] as? String)?.contains("could not be found") == true, "\(refused)")
        }
    }

    @Test func aOneShotExecIsBoundedInTime() async throws {
        try await DevProcess.run { dev in
            let uuid = try await HostileProcessTests.sleeper(dev, tenantA, name: "exec")
            try await dev.waitFor(uuid, "Running", identity: tenantA)
            let started = ContinuousClock.now
            let reply = try await dev.call(.POST, "/v1/containers/\(uuid)/execute?command=sleep+12", identity: tenantA)
            let took = ContinuousClock.now - started
            #expect(reply.status.code == 409, "\(reply.json ?? "")")
            #expect(took < .seconds(9), "answered after \(took)")
            // And the host still answers for the container.
            #expect(try await dev.call(.GET, "/v1/containers/\(uuid)/top", identity: tenantA).status.code == 200)
        }
    }
}
