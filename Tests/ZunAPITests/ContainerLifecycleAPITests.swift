import Foundation
import HTTPTypes
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// List, show, delete, start/stop dispatch and state checks, without an engine: the store plays the agent.
struct ContainerLifecycleAPITests {
    @Test func listIsScopedPagedAndLinked() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            for name in ["c1", "c2", "c3"] { _ = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "\#(name)"}"#, identity: member) }
            _ = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "theirs"}"#, identity: otherMember)

            let mine = try await client.call(.get, "/v1/containers", identity: member)
            #expect((mine.object["containers"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["c1", "c2", "c3"])
            #expect(mine.object["next"] is NSNull)

            let page = try await client.call(.get, "/v1/containers?limit=2&sort_key=name&sort_dir=desc", identity: member)
            #expect((page.object["containers"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["c3", "c2"])
            let next = page.object["next"] as? String ?? ""
            #expect(next.contains("limit=2") && next.contains("marker=") && next.contains("sort_dir=desc"))
            let rest = try await client.call(.get, String(next[next.range(of: "/v1/")!.lowerBound...]), identity: member)
            #expect((rest.object["containers"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["c1"])

            let all = try await client.call(.get, "/v1/containers?all_projects=true")
            #expect((all.object["containers"] as? [[String: Any]])?.count == 4)
            #expect(try await client.call(.get, "/v1/containers?all_projects=1", identity: member).status == .forbidden)
            #expect(try await client.call(.get, "/v1/containers?host=node-1", identity: member).status == .forbidden)
            #expect(try await client.call(.get, "/v1/containers?name=c2", identity: member).object["containers"].map { ($0 as! [Any]).count } == 1)
            #expect(try await client.call(.get, "/v1/containers?color=red").errorDetail == "Unknown parameters: color")
            #expect(try await client.call(.get, "/v1/containers?limit=0").status == .badRequest)
            #expect(try await client.call(.get, "/v1/containers?sort_dir=up").status == .badRequest)
            #expect(try await client.call(.get, "/v1/containers?sort_key=secret").status == .badRequest)
        }
    }

    @Test func showFindsByUUIDOrNameWithinTheProject() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let reply = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "web"}"#, identity: member)
            let uuid = reply.object["uuid"] as? String ?? ""
            #expect(try await client.call(.get, "/v1/containers/web", identity: member).object["uuid"] as? String == uuid)
            #expect(try await client.call(.get, "/v1/containers/\(uuid)", identity: member).status == .ok)
            let hidden = try await client.call(.get, "/v1/containers/\(uuid)", identity: otherMember)
            #expect(hidden.status == .notFound)
            #expect(hidden.error["code"] as? String == "container.container-not-found")
            _ = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "web"}"#, identity: member)
            let ambiguous = try await client.call(.get, "/v1/containers/web", identity: member)
            #expect(ambiguous.status == .conflict)
            #expect(ambiguous.error["code"] as? String == "container.conflict")
        }
    }

    @Test func stateChecksGiveZuns409() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let uuid = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "web"}"#).object["uuid"] as! String
            let start = try await client.call(.post, "/v1/containers/web/start")
            #expect(start.status == .conflict)
            #expect(start.errorDetail == "Cannot start container \(uuid) in Creating state.")
            #expect(start.error["code"] as? String == "container.invalid-state-exception")
            #expect(try await client.call(.delete, "/v1/containers/web").status == .conflict)
            #expect(try await client.call(.get, "/v1/containers/web/logs").status == .conflict)

            // Pretend the agent made and started it.
            try await harness.store.updateContainer(uuid: uuid) { $0.status = .running; $0.containerID = "abc" }
            #expect(try await client.call(.post, "/v1/containers/web/start").status == .conflict)
            #expect(try await client.call(.post, "/v1/containers/web/stop?timeout=-1").status == .badRequest)
            #expect(try await client.call(.post, "/v1/containers/web/stop?timeout=3").status == .accepted)
            let tasks = try await harness.store.tasks(containerUUID: uuid)
            #expect(tasks.last?.kind == .stop)
            #expect(tasks.last?.payload.timeout == 3)
            #expect(try await harness.store.actions(containerUUID: uuid).map(\.action) == ["stop", "create"])
            #expect(try await client.call(.delete, "/v1/containers/web").status == .conflict)
            // Logs of a container whose host does not answer: a clear error, not a hang.
            let logs = try await client.call(.get, "/v1/containers/web/logs")
            #expect(logs.status.code == 503)
            // python-zunclient sends since=None and tail=all when the user gave neither.
            #expect(try await client.call(.get, "/v1/containers/web/logs?since=None&tail=all&stdout=True").status.code == 503)
            #expect(try await client.call(.get, "/v1/containers/web/logs?since=yesterday").status == .badRequest)
            #expect(try await client.call(.get, "/v1/containers/web/logs?stdout=maybe").status == .badRequest)
        }
    }

    @Test func deleteVariantsFollowVersionsPolicyAndState() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let uuid = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "web"}"#, identity: member).object["uuid"] as! String
            try await harness.store.updateContainer(uuid: uuid) { $0.status = .running; $0.containerID = "abc" }
            #expect(try await client.call(.delete, "/v1/containers/web?force=true", version: "1.6", identity: member).status == .badRequest)
            #expect(try await client.call(.delete, "/v1/containers/web?force=true", identity: member).status == .forbidden)
            #expect(try await client.call(.delete, "/v1/containers/web?stop=true", version: "1.11", identity: member).status == .badRequest)
            #expect(try await client.call(.delete, "/v1/containers/web?now=1", identity: member).status == .badRequest)
            let stopDelete = try await client.call(.delete, "/v1/containers/web?stop=true", identity: member)
            #expect(stopDelete.status == .noContent)
            #expect(try await harness.store.container(uuid: uuid)?.status == .deleting)
            #expect(try await harness.store.tasks(containerUUID: uuid).map(\.kind) == [.create, .stop, .delete])
        }
    }

    @Test func deleteWithoutHostRemovesTheRecordAtOnce() async throws {
        try await APITestHarness.run { harness, client in
            let reply = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "orphan"}"#)
            #expect(reply.object["status"] as? String == "Error")
            #expect(try await client.call(.delete, "/v1/containers/orphan").status == .noContent)
            #expect(try await client.call(.get, "/v1/containers/orphan").status == .notFound)
        }
    }

    @Test func actionsAndEventsAreListed() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            let create = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "web"}"#, identity: member)
            let uuid = create.object["uuid"] as! String
            let requestID = create.headers[HTTPField.Name("X-OpenStack-Request-ID")!] ?? ""
            try await harness.store.startEvent(containerUUID: uuid, requestID: requestID, event: "compute__do_container_create", at: Date())
            try await harness.store.finishEvent(containerUUID: uuid, requestID: requestID, event: "compute__do_container_create", result: "Error", traceback: "boom", at: Date())
            let list = try await client.call(.get, "/v1/containers/web/container_actions", identity: member)
            let actions = list.object["containerActions"] as? [[String: Any]]
            #expect(actions?.first?["action"] as? String == "create")
            #expect(actions?.first?["request_id"] as? String == requestID)
            let show = try await client.call(.get, "/v1/containers/web/container_actions/\(requestID)", identity: member)
            let events = show.object["events"] as? [[String: Any]]
            #expect(events?.first?["event"] as? String == "compute__do_container_create")
            #expect(events?.first?["result"] as? String == "Error")
            #expect(events?.first?["traceback"] is NSNull, "tracebacks are admin-only")
            let adminView = try await client.call(.get, "/v1/containers/\(uuid)/container_actions/\(requestID)")
            #expect((adminView.object["events"] as? [[String: Any]])?.first?["traceback"] as? String == "boom")
            #expect(try await client.call(.get, "/v1/containers/web/container_actions/req-nope", identity: member).status == .notFound)
        }
    }
}
