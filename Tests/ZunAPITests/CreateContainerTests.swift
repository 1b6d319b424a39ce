import Foundation
import HTTPTypes
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

struct CreateContainerTests {
    @Test func createReturns202WithLocationViewAndDefaults() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let reply = try await client.call(.post, "/v1/containers?run=true", json: #"{"image": "busybox:1.35", "exposed_ports": {"8080": {}}}"#)
            #expect(reply.status == .accepted)
            let uuid = reply.object["uuid"] as? String ?? ""
            #expect(reply.headers[.location]?.hasSuffix("/v1/containers/\(uuid)") == true)
            #expect(reply.object["status"] as? String == "Creating")
            #expect(reply.object["memory"] as? String == "512")
            #expect(reply.object["cpu"] as? Double == 1.0)
            #expect(reply.object["host"] as? String == "node-1")
            #expect((reply.object["name"] as? String)?.hasSuffix("-container") == true)
            #expect((reply.object["links"] as? [[String: String]])?.first?["rel"] == "self")
            let stored = try await harness.store.container(uuid: uuid)
            #expect(stored?.exposedPorts?.keys.sorted() == ["8080/tcp"])
            let tasks = try await harness.store.tasks(containerUUID: uuid)
            #expect(tasks.map(\.kind) == [.create])
            #expect(tasks.first?.payload.run == true)
            #expect(try await harness.store.actions(containerUUID: uuid).map(\.action) == ["create"])
        }
    }

    @Test func adminOnlyFieldsAreHiddenFromMembers() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let reply = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox:1.35"}"#, identity: member)
            #expect(reply.status == .accepted)
            for field in ["host", "image_pull_policy", "privileged", "runtime"] {
                #expect(reply.object[field] == nil, "\(field) must be hidden")
            }
            #expect(reply.object["project_id"] as? String == "p1")
            let admin = try await client.call(.get, "/v1/containers/\(reply.object["uuid"] as! String)")
            #expect(admin.object["host"] as? String == "node-1")
        }
    }

    @Test func legacyCommandStringIsSplitLikeAShell() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let reply = try await client.call(.post, "/v1/containers", version: "1.19", json: #"{"image": "busybox", "command": "sh -c 'echo hello world'"}"#)
            #expect(reply.object["command"] as? [String] == ["sh", "-c", "echo hello world"])
        }
    }

    @Test func ttyFollowsInteractiveBefore136() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let old = try await client.call(.post, "/v1/containers", version: "1.30", json: #"{"image": "busybox", "interactive": true, "tty": false}"#)
            #expect(old.object["tty"] as? Bool == true)
            let new = try await client.call(.post, "/v1/containers", version: "1.36", json: #"{"image": "busybox", "interactive": true, "tty": false}"#)
            #expect(new.object["tty"] as? Bool == false)
            #expect(new.object["interactive"] as? Bool == true)
        }
    }

    @Test func restartPolicyIsNormalised() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let reply = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "restart_policy": {"Name": "no", "MaximumRetryCount": 4}}"#)
            #expect(reply.object["restart_policy"] as? [String: String] == ["Name": "no", "MaximumRetryCount": "0"])
        }
    }

    @Test func policiesGuardPrivilegedRuntimePullPolicyAndHost() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            // privileged is denied to everybody by default, admins included.
            let privileged = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "privileged": true}"#)
            #expect(privileged.status == .forbidden)
            #expect(privileged.errorDetail == "Policy doesn't allow container:create:privileged to be performed.")
            for body in [#"{"image": "busybox", "runtime": "runc"}"#, #"{"image": "busybox", "image_pull_policy": "Always"}"#, #"{"image": "busybox", "host": "node-1"}"#] {
                #expect(try await client.call(.post, "/v1/containers", json: body, identity: member).status == .forbidden)
                #expect(try await client.call(.post, "/v1/containers", json: body).status == .accepted)
            }
        }
    }

    @Test func unknownPinnedHostIs404AndLeavesNoRecord() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let reply = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "host": "ghost"}"#)
            #expect(reply.status == .notFound)
            #expect(reply.errorDetail == "Requested host ghost could not be found")
            #expect(try await harness.store.listContainers(.init()).isEmpty)
        }
    }

    @Test func pinnedHostRejectedByFiltersEndsInError() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            try await TestSupport.seedHost(harness.store, host: "stale", heartbeatAt: Date().addingTimeInterval(-3600))
            let reply = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "host": "stale"}"#)
            #expect(reply.status == .accepted)
            #expect(reply.object["status"] as? String == "Error")
            #expect(reply.object["status_reason"] as? String == "There are not enough hosts available.")
            let uuid = reply.object["uuid"] as? String ?? ""
            #expect(try await harness.store.tasks(containerUUID: uuid).isEmpty)
            // The same request without a pin lands on the live host.
            let free = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox"}"#)
            #expect(free.object["host"] as? String == "node-1")
        }
    }

    @Test func noHostsAtAllGives202WithError() async throws {
        try await APITestHarness.run { _, client in
            let reply = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox"}"#)
            #expect(reply.status == .accepted)
            #expect(reply.object["status"] as? String == "Error")
        }
    }

    @Test func capacityFiltersStopOverCommit() async throws {
        var configuration = APIConfigurationFactory.make()
        configuration.allocationRatios.ram = 1.0
        try await APITestHarness.run(configuration: configuration) { harness, client in
            try await TestSupport.seedHost(harness.store, host: "small", memTotal: 1024)
            let first = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "memory": 1000}"#)
            #expect(first.object["status"] as? String == "Creating")
            let second = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "memory": 100}"#)
            #expect(second.object["status"] as? String == "Error")
        }
    }

    @Test func wrongContentTypeIs415AndUnknownQueryIs400() async throws {
        try await APITestHarness.run { _, client in
            let wrongType = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox"}"#, contentType: "text/plain")
            #expect(wrongType.status == .unsupportedMediaType)
            #expect(wrongType.error["code"] as? String == "container.unsupported-media-type")
            let badRun = try await client.call(.post, "/v1/containers?run=perhaps", json: #"{"image": "busybox"}"#)
            #expect(badRun.status == .badRequest)
            let unknown = try await client.call(.post, "/v1/containers?fast=1", json: #"{"image": "busybox"}"#)
            #expect(unknown.status == .badRequest)
            #expect(unknown.errorDetail == "Unknown parameters: fast")
        }
    }
}

import ZunAPI

enum APIConfigurationFactory {
    static func make() -> APIConfiguration { APIConfiguration() }
}
