import DockerEngine
import Foundation
import Testing
import ZunCore
import ZunTestSupport

/// `mounts` on the real engine: file injection, sized volumes across rebuild and delete, named volumes.
@Suite(.serialized)
struct VolumeEngineTests {
    static let sleeper = #""image": "busybox:1.35", "command": ["sleep", "300"], "memory": 32"#

    @Test func aBindMountInjectsTheFileWithItsContent() async throws {
        try await EngineHarness.run { h in
            let content = "hello from zun\nline two\n"
            let encoded = Data(content.utf8).base64EncodedString()
            let uuid = try await h.create(
                #"{\#(Self.sleeper), "name": "inject", "mounts": [{"type": "bind", "source": "\#(encoded)", "destination": "/etc/zun/greeting.txt"}]}"#
            )
            try await h.waitFor(uuid, "Running")
            let read = try await h.exec("inject", "cat /etc/zun/greeting.txt")
            #expect(read.output == content)
            #expect(read.exitCode == 0)
            // Not base64, relative destination, unknown key, below 1.11: all 400 and nothing recorded.
            for bad in [
                #"{"type": "bind", "source": "***", "destination": "/x"}"#,
                #"{"type": "bind", "source": "aGk=", "destination": "relative"}"#,
                #"{"source": "aGk=", "destination": "/x", "extra": 1}"#,
                #"{"type": "tmpfs", "size": 1, "destination": "/x"}"#,
            ] {
                let reply = try await h.client.call(.post, "/v1/containers", json: #"{\#(Self.sleeper), "mounts": [\#(bad)]}"#)
                #expect(reply.status == .badRequest, "\(bad): \(reply.json ?? "")")
            }
            let old = try await h.client.call(.post, "/v1/containers", version: "1.10", json: #"{\#(Self.sleeper), "mounts": [{"size": 1, "destination": "/d"}]}"#)
            #expect(old.status == .badRequest)
            #expect(try await h.store.listContainers(.init()).count == 1)
        }
    }

    @Test func aSizedVolumeSurvivesRebuildAndGoesWithDelete() async throws {
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"{\#(Self.sleeper), "name": "keeper", "mounts": [{"size": 1, "destination": "/data"}]}"#)
            try await h.waitFor(uuid, "Running")
            #expect(try await h.exec("keeper", "sh -c 'echo persisted > /data/file'").exitCode == 0)
            let record = try #require(try await h.store.container(uuid: uuid))
            let volumeID = try #require(record.mounts?.first?.volumeUUID)
            #expect(try await h.docker.inspectVolume(Volume.dockerName(volumeID), logger: TestSupport.logger) != nil)
            #expect(try await h.store.volume(uuid: volumeID)?.host == h.hostName)

            let oldEngineID = try await h.docker.inspectContainer("zun-\(uuid)", logger: TestSupport.logger)?.id
            #expect(try await h.client.call(.post, "/v1/containers/keeper/rebuild").status == .accepted)
            try await TestSupport.eventually(timeout: .seconds(60)) {
                let now = try await h.docker.inspectContainer("zun-\(uuid)", logger: TestSupport.logger)
                return now != nil && now?.id != oldEngineID && now?.state?.running == true ? true : nil
            }
            try await h.waitFor(uuid, "Running")
            #expect(try await h.exec("keeper", "cat /data/file").output == "persisted\n")

            #expect(try await h.client.call(.delete, "/v1/containers/keeper?force=true").status == .noContent)
            try await TestSupport.eventually(timeout: .seconds(30)) {
                try await h.store.container(uuid: uuid) == nil ? true : nil
            }
            #expect(try await h.docker.inspectVolume(Volume.dockerName(volumeID), logger: TestSupport.logger) == nil)
            #expect(try await h.store.volume(uuid: volumeID) == nil)
        }
    }

    @Test func aNamedVolumeIsMountedByOneContainerAtATimeAndCannotBeDeletedInUse() async throws {
        try await EngineHarness.run { h in
            let created = try await h.client.call(.post, "/v1/volumes", json: #"{"name": "shared-data", "size": 2}"#)
            #expect(created.status == .created, "\(created.json ?? "")")
            let volumeID = try #require(created.object["uuid"] as? String)
            let first = try await h.create(#"{\#(Self.sleeper), "name": "v1", "mounts": [{"source": "shared-data", "destination": "/srv"}]}"#)
            try await h.waitFor(first, "Running")
            #expect(try await h.exec("v1", "sh -c 'echo kept > /srv/f'").exitCode == 0)

            let second = try await h.client.call(.post, "/v1/containers", json: #"{\#(Self.sleeper), "mounts": [{"source": "\#(volumeID)", "destination": "/srv"}]}"#)
            #expect(second.status == .badRequest, "in use: \(second.json ?? "")")
            #expect(try await h.client.call(.delete, "/v1/volumes/shared-data").status == .conflict)
            #expect(try await h.client.call(.post, "/v1/containers", json: #"{\#(Self.sleeper), "mounts": [{"source": "nope", "destination": "/srv"}]}"#).status == .notFound)

            // After its container goes, the volume stays (it was not made for it), keeps its data, and can go.
            #expect(try await h.client.call(.delete, "/v1/containers/v1?force=true").status == .noContent)
            try await TestSupport.eventually(timeout: .seconds(30)) { try await h.store.container(uuid: first) == nil ? true : nil }
            let again = try await h.create(#"{\#(Self.sleeper), "name": "v2", "mounts": [{"source": "shared-data", "destination": "/again"}]}"#)
            try await h.waitFor(again, "Running")
            #expect(try await h.exec("v2", "cat /again/f").output == "kept\n")
            let shown = try await h.client.call(.get, "/v1/volumes/shared-data").object
            #expect(shown["containers"] as? [String] == [again])
            #expect(shown["host"] as? String == h.hostName)
            #expect(try await h.client.call(.delete, "/v1/containers/v2?force=true").status == .noContent)
            try await TestSupport.eventually(timeout: .seconds(30)) { try await h.store.container(uuid: again) == nil ? true : nil }
            #expect(try await h.client.call(.delete, "/v1/volumes/shared-data").status == .noContent)
            await h.agent.networks.removeOrphans()
            #expect(try await h.docker.inspectVolume(Volume.dockerName(volumeID), logger: TestSupport.logger) == nil)
        }
    }
}
