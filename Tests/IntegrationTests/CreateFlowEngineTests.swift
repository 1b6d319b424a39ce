import DockerEngine
import Foundation
import Testing
import ZunCompute
import ZunCore
import ZunStore
import ZunTestSupport

/// The create flow and the basic lifecycle against the real Docker engine started by ./scripts/test.
@Suite(.serialized)
struct CreateFlowEngineTests {
    @Test func runListLogsStopStartDeleteAgreeWithTheEngine() async throws {
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"""
                {"image": "busybox:1.35", "name": "web", "command": ["sh", "-c", "trap 'exit 0' TERM; echo hello from zun; sleep 300 & wait"],
                 "memory": 64, "cpu": 0.5, "exposed_ports": {"8080": {}}, "environment": {"GREETING": "hi"},
                 "labels": {"team": "a"}, "restart_policy": {"Name": "on-failure", "MaximumRetryCount": "2"}}
                """#)
            let view = try await h.waitFor(uuid, "Running")
            #expect((view["status_detail"] as? String)?.hasPrefix("Up") == true)
            #expect(view["ports"] as? [Int] == [8080])
            #expect(view["hostname"] is String)

            let engine = try #require(try await h.docker.inspectContainer("zun-\(uuid)", logger: TestSupport.logger))
            #expect(engine.state?.running == true)
            #expect(engine.config?.labels?[ContainerSpecBuilder.uuidLabel] == uuid)
            let binding = engine.networkSettings?.ports?["8080/tcp"]??.first
            #expect(binding?.hostIP == "127.0.0.1", "exposed ports are published on loopback only")

            let logs = try await TestSupport.eventually {
                let text = try await h.client.call(.get, "/v1/containers/web/logs").json as? String
                return text?.contains("hello from zun") == true ? text : nil
            }
            #expect(logs == "hello from zun\n")

            #expect(try await h.client.call(.post, "/v1/containers/web/stop?timeout=1").status == .accepted)
            try await h.waitFor(uuid, "Stopped")
            #expect(try await h.docker.inspectContainer("zun-\(uuid)", logger: TestSupport.logger)?.state?.running == false)

            #expect(try await h.client.call(.post, "/v1/containers/web/start").status == .accepted)
            try await h.waitFor(uuid, "Running")
            #expect(try await h.docker.inspectContainer("zun-\(uuid)", logger: TestSupport.logger)?.state?.running == true)

            #expect(try await h.client.call(.delete, "/v1/containers/web?stop=true").status == .noContent)
            try await TestSupport.eventually {
                try await h.client.call(.get, "/v1/containers/\(uuid)").status == .notFound ? true : nil
            }
            #expect(try await h.docker.inspectContainer("zun-\(uuid)", logger: TestSupport.logger) == nil)

            let actions = try await h.store.actions(containerUUID: uuid).map(\.action)
            #expect(Set(actions) == ["create", "stop", "start", "delete"])
            let create = try #require(try await h.store.actions(containerUUID: uuid).first { $0.action == "create" })
            #expect(create.finishTime != nil && create.message == nil)
            let events = try await h.store.events(actionID: create.id!)
            #expect(Set(events.map(\.event)) == ["compute__do_container_create", "compute__do_container_start"])
            #expect(events.allSatisfy { $0.result == "Success" })
        }
    }

    @Test func createWithoutRunEndsCreatedAndFillsCommandFromImage() async throws {
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"{"image": "busybox:1.35"}"#, run: false)
            let view = try await h.waitFor(uuid, "Created")
            #expect(view["command"] as? [String] == ["sh"])
            #expect(view["status_detail"] as? String == "Created")
            #expect(try await h.docker.inspectContainer("zun-\(uuid)", logger: TestSupport.logger)?.state?.status == "created")
        }
    }

    @Test func engineFailureEndsInErrorWithTheEnginesReason() async throws {
        try await EngineHarness.run { h in
            let uuid = try await h.create(#"{"image": "busybox:1.35", "command": ["/no/such/binary"]}"#)
            let view = try await h.waitFor(uuid, "Error")
            #expect((view["status_reason"] as? String)?.contains("/no/such/binary") == true, "\(view["status_reason"] ?? "")")
            // The action is finished just after the status is written.
            let message = try await TestSupport.eventually(timeout: .seconds(10)) {
                try await h.store.actions(containerUUID: uuid).first?.message
            }
            #expect(message == "Error")
        }
    }
}
