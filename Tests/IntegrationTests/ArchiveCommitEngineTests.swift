import DockerEngine
import Foundation
import Testing
import ZunCore
import ZunTestSupport

/// get_archive / put_archive (base64 from 1.25) and commit on the real engine.
@Suite(.serialized)
struct ArchiveCommitEngineTests {
    @Test func putThenGetArchiveRoundTripsAFileAndCommitMakesAnImage() async throws {
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"{"image": "busybox:1.35", "name": "files", "command": ["sleep", "300"]}"#)
            try await h.waitFor(uuid, "Running")

            // Copy a tar holding hello.txt into /tmp, as `openstack appcontainer cp` does.
            let tar = TestTar.make(name: "hello.txt", contents: Array("hello from zun\n".utf8))
            let put = try await h.client.call(
                .post, "/v1/containers/files/put_archive", json: #"{"path": "/tmp", "data": "\#(tar.base64EncodedString())"}"#
            )
            #expect(put.status == .ok, "\(put.json ?? "")")
            let exec = try await h.client.call(.post, "/v1/containers/files/execute?command=cat%20/tmp/hello.txt")
            #expect(exec.object["output"] as? String == "hello from zun\n")

            let get = try await h.client.call(.get, "/v1/containers/files/get_archive?path=/tmp/hello.txt")
            let stat = get.object["stat"] as? [String: Any]
            #expect(stat?["name"] as? String == "hello.txt")
            #expect(stat?["size"] as? Int == 15)
            let data = try #require(Data(base64Encoded: get.object["data"] as? String ?? ""))
            #expect(String(decoding: data, as: UTF8.self).contains("hello from zun"))

            #expect(try await h.client.call(.post, "/v1/containers/files/put_archive", json: #"{"path": "/tmp", "data": "%%%"}"#).status == .badRequest)
            // A path the container does not have is the caller's mistake (400), not "No such container".
            let missing = try await h.client.call(.get, "/v1/containers/files/get_archive?path=/no/such")
            #expect(missing.status == .badRequest)
            #expect(missing.errorDetail == "Could not read /no/such from the container.")

            let commit = try await h.client.call(.post, "/v1/containers/files/commit?repository=zun-test/committed&tag=v1")
            #expect(commit.status == .accepted)
            let imageID = try #require(commit.object["uuid"] as? String)
            #expect(try await h.docker.inspectImage("zun-test/committed:v1", logger: TestSupport.logger)?.id == imageID)
            #expect(try await h.show(uuid)["status"] as? String == "Running", "running container is unpaused after commit")
            let action = try #require(try await h.store.actions(containerUUID: uuid).first { $0.action == "commit" })
            #expect(try await h.store.events(actionID: action.id!).first?.result == "Success")
            try await h.docker.removeImage("zun-test/committed:v1", logger: TestSupport.logger)
        }
    }
}

extension EngineHarness {
    func show(_ uuid: String) async throws -> [String: Any] {
        try await client.call(.get, "/v1/containers/\(uuid)").object
    }
}
