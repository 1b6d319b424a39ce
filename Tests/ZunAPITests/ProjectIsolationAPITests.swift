import Foundation
import HTTPTypes
import Testing
import ZunAPI
import ZunCore
import ZunTestSupport

/// Another project's objects, through every endpoint: a member of p2 finds nothing of p1 (404, as Zun), lists
/// show only its own project, `all_projects` is for admins, and nothing of p1 changes.
struct ProjectIsolationAPITests {
    /// Every container endpoint, with the microversion it exists in.
    static let containerCalls: [(HTTPRequest.Method, String, String, String?)] = [
        (.get, "", "1.40", nil), (.patch, "", "1.40", #"{"name": "stolen"}"#), (.delete, "", "1.40", nil),
        (.delete, "?force=true", "1.40", nil), (.delete, "?stop=true", "1.40", nil),
        (.post, "/start", "1.40", nil), (.post, "/stop", "1.40", nil), (.post, "/reboot", "1.40", nil),
        (.post, "/pause", "1.40", nil), (.post, "/unpause", "1.40", nil), (.post, "/kill", "1.40", nil),
        (.post, "/rebuild", "1.40", nil), (.post, "/execute?command=ls", "1.40", nil),
        (.post, "/execute_resize?exec_id=\(String(repeating: "a", count: 64))&h=1&w=1", "1.40", nil),
        (.post, "/resize?h=1&w=1", "1.40", nil), (.get, "/attach", "1.40", nil), (.get, "/logs", "1.40", nil),
        (.get, "/top", "1.40", nil), (.get, "/stats", "1.40", nil), (.get, "/get_archive?path=/etc", "1.40", nil),
        (.post, "/commit?repository=stolen", "1.40", nil), (.post, "/rename?name=stolen", "1.13", nil),
        (.post, "/resize_container?memory=64", "1.40", nil), (.post, "/network_attach", "1.40", nil),
        (.post, "/network_detach?network=default", "1.40", nil), (.get, "/network_list", "1.40", nil),
        (.post, "/add_security_group?name=x", "1.14", nil), (.post, "/remove_security_group?name=default", "1.14", nil),
        (.get, "/container_actions", "1.40", nil),
    ]

    @Test func anotherProjectsObjectsAreNotFoundAndUntouched() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1")
            // p1's objects: a running container, a network (made by an admin for p1), a port and a volume.
            let made = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "mine"}"#, identity: member)
            let uuid = try #require(made.object["uuid"] as? String)
            try await harness.store.updateContainer(uuid: uuid) { $0.status = .running; $0.containerID = "abc" }
            let network = try await client.call(.post, "/v1/networks", json: #"{"name": "p1net", "project_id": "p1"}"#)
            let networkUUID = try #require(network.object["uuid"] as? String, "\(network.json ?? "")")
            let port = try await client.call(.post, "/v1/ports", json: #"{"network": "p1net", "name": "p1port"}"#, identity: member)
            let portUUID = try #require(port.object["uuid"] as? String, "\(port.json ?? "")")
            let volume = try await client.call(.post, "/v1/volumes", json: #"{"name": "p1vol", "size": 1}"#, identity: member)
            let volumeUUID = try #require(volume.object["uuid"] as? String, "\(volume.json ?? "")")
            let before = try #require(try await harness.store.container(uuid: uuid))

            for ident in [uuid, "mine"] {
                for (method, suffix, version, body) in Self.containerCalls {
                    let reply = try await client.call(method, "/v1/containers/\(ident)\(suffix)", version: version, json: body, identity: otherMember)
                    #expect(reply.status == .notFound, "\(method) \(suffix) by name or uuid: \(reply.status) \(reply.json ?? "")")
                }
            }
            for (path, id) in [("networks", networkUUID), ("ports", portUUID), ("volumes", volumeUUID)] {
                #expect(try await client.call(.get, "/v1/\(path)/\(id)", identity: otherMember).status == .notFound, "\(path)")
                let delete = try await client.call(.delete, "/v1/\(path)/\(id)", identity: otherMember)
                #expect(delete.status == .notFound || delete.status == .forbidden, "\(path) delete: \(delete.status)")
            }
            // Lists show only the caller's project; all_projects is for admins.
            for path in ["containers", "networks", "ports", "volumes"] {
                let list = try await client.call(.get, "/v1/\(path)", identity: otherMember)
                #expect(list.status == .ok, "\(path)")
                let items = list.object[path] as? [[String: Any]] ?? []
                #expect(!items.contains { ($0["project_id"] as? String) == "p1" }, "\(path) shows p1's objects to p2")
                #expect(try await client.call(.get, "/v1/\(path)?all_projects=true", identity: otherMember).status == .forbidden, "\(path)")
                let all = try await client.call(.get, "/v1/\(path)?all_projects=true")
                #expect((all.object[path] as? [[String: Any]] ?? []).contains { ($0["project_id"] as? String) == "p1" }, "admin \(path)")
            }
            // Nothing of p1 changed.
            let after = try #require(try await harness.store.container(uuid: uuid))
            #expect(after == before)
            #expect(try await harness.store.tasks(containerUUID: uuid).count == 1, "only the create's task")
            #expect(try await harness.store.actions(containerUUID: uuid).count == 1, "only the create's action")
            #expect(try await harness.store.network(uuid: networkUUID) != nil)
            #expect(try await harness.store.port(uuid: portUUID) != nil)
            #expect(try await harness.store.volume(uuid: volumeUUID) != nil)
        }
    }
}
