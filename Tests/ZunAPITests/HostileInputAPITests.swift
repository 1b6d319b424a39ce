import Foundation
import HummingbirdTesting
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// Requests a hostile member of a project could send: each is a 4xx that names the field, and changes nothing.
struct HostileInputAPITests {
    /// A running container of project `p1` named `web`, as the agent would leave it.
    static func runningContainer(_ harness: APITestHarness, _ client: any TestClientProtocol) async throws -> String {
        try await TestSupport.seedHost(harness.store, host: "node-1")
        let uuid = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "web"}"#).object["uuid"] as! String
        try await harness.store.updateContainer(uuid: uuid) { $0.status = .running; $0.containerID = "abc" }
        return uuid
    }

    @Test(arguments: ["stop", "reboot"], ["9223372036854775807", "9223372036854775808", "3601", "-1", "1e3", "٣"])
    func stopAndRebootTimeoutsAreBounded(_ action: String, _ timeout: String) async throws {
        try await APITestHarness.run { harness, client in
            let uuid = try await Self.runningContainer(harness, client)
            let reply = try await client.call(.post, "/v1/containers/web/\(action)?timeout=\(timeout)")
            #expect(reply.status == .badRequest)
            #expect(reply.errorDetail.contains("'timeout'"), "\(reply.errorDetail)")
            #expect(try await harness.store.tasks(containerUUID: uuid).map(\.kind) == [.create], "a refused action queues nothing")
            #expect(try await harness.store.container(uuid: uuid)?.status == .running)
        }
    }

    @Test func theLargestTimeoutIsAccepted() async throws {
        try await APITestHarness.run { harness, client in
            let uuid = try await Self.runningContainer(harness, client)
            #expect(try await client.call(.post, "/v1/containers/web/stop?timeout=3600").status == .accepted)
            #expect(try await harness.store.tasks(containerUUID: uuid).last?.payload.timeout == 3600)
        }
    }
}
