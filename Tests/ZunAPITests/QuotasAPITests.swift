import Foundation
import Testing
import ZunAPI
import ZunCore
import ZunTestSupport

/// `/v1/quotas` and `/v1/quota_classes` in Zun's shapes, and the 403 of a create or resize over quota.
struct QuotasAPITests {
    @Test func limitsAreReadByTheOwnerAndWrittenByAdmins() async throws {
        try await APITestHarness.run { _, client in
            let defaults = try await client.call(.get, "/v1/quotas/p1", identity: member)
            #expect(defaults.status == .ok)
            #expect(defaults.object as NSDictionary == [
                "containers": 40, "cpu": 20, "memory": 51200, "disk": 100, "networks": 100, "volumes": 10, "ports": 500,
            ] as NSDictionary)
            #expect(try await client.call(.get, "/v1/quotas/p2", identity: member).status == .forbidden)
            #expect(try await client.call(.put, "/v1/quotas/p1", json: #"{"containers": 1}"#, identity: member).status == .forbidden)

            let updated = try await client.call(.put, "/v1/quotas/p1", json: #"{"containers": 3, "cpu": "-1"}"#)
            #expect(updated.status == .ok)
            #expect(updated.object["containers"] as? Int == 3 && updated.object["cpu"] as? Int == -1 && updated.object["memory"] as? Int == 51200)
            let bad = try await client.call(.put, "/v1/quotas/p1", json: #"{"containers": -2}"#)
            #expect(bad.status == .badRequest && bad.error["code"] as? String == "container.schema-validation-error")
            #expect(try await client.call(.put, "/v1/quotas/p1", json: #"{"gpus": 1}"#).status == .badRequest)

            let usages = try await client.call(.get, "/v1/quotas/p1?usages=true", identity: member)
            #expect((usages.object["containers"] as? [String: Any])?["limit"] as? Int == 3)
            #expect((usages.object["containers"] as? [String: Any])?["in_use"] as? Int == 0)

            let deleted = try await client.call(.delete, "/v1/quotas/p1")
            #expect(deleted.status == .ok && deleted.json is NSNull)
            #expect(try await client.call(.get, "/v1/quotas/p1", identity: member).object["containers"] as? Int == 40)
        }
    }

    @Test func volumesPortsAndNetworksHaveQuotasToo() async throws {
        try await APITestHarness.run { _, client in
            _ = try await client.call(.put, "/v1/quotas/p1", json: #"{"volumes": 1, "ports": 1, "networks": 1}"#)
            #expect(try await client.call(.post, "/v1/volumes", json: #"{"name": "v1", "size": 1}"#, identity: member).status == .created)
            let second = try await client.call(.post, "/v1/volumes", json: #"{"name": "v2", "size": 1}"#, identity: member)
            #expect(second.status == .forbidden && second.errorDetail == "Quota exceeded for resources: volumes.")
            #expect(try await client.call(.post, "/v1/networks", json: #"{"name": "n1", "project_id": "p1"}"#).status == .ok)
            let network = try await client.call(.post, "/v1/networks", json: #"{"name": "n2", "project_id": "p1"}"#)
            #expect(network.status == .forbidden && network.errorDetail == "Quota exceeded for resources: networks.")
            #expect(try await client.call(.post, "/v1/ports", json: #"{"network": "n1"}"#, identity: member).status == .created)
            #expect(try await client.call(.post, "/v1/ports", json: #"{"network": "n1"}"#, identity: member).status == .forbidden)
            let usages = try await client.call(.get, "/v1/quotas/p1?usages=1", identity: member)
            #expect((usages.object["volumes"] as? [String: Any])?["in_use"] as? Int == 1)
        }
    }

    @Test func theVolumesAndPortsACreateMakesCountAgainstTheirQuotas() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1", cpus: 64, memTotal: 65536)
            _ = try await client.call(.put, "/v1/quotas/p1", json: #"{"volumes": 1, "ports": 2}"#)
            // One sized mount (a volume) and the default network (a port): within both quotas.
            let mounts = #""mounts": [{"destination": "/data", "size": 1}]"#
            let first = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "m1", \#(mounts)}"#, identity: member)
            #expect(first.status == .accepted, "\(first.json ?? "")")
            // A second sized mount would be the project's second volume.
            let second = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "m2", \#(mounts)}"#, identity: member)
            #expect(second.status == .forbidden && second.errorDetail == "Quota exceeded for resources: volumes.", "\(second.json ?? "")")
            // Without a mount it fits: its port is the second.
            #expect(try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "m3"}"#, identity: member).status == .accepted)
            let third = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "m4"}"#, identity: member)
            #expect(third.status == .forbidden && third.errorDetail == "Quota exceeded for resources: ports.", "\(third.json ?? "")")
            // Refused creates wrote nothing: two containers, one volume, two ports.
            #expect(try await harness.store.listContainers(.init(projectID: "p1")).count == 2)
            let usages = try await client.call(.get, "/v1/quotas/p1?usages=1", identity: member)
            #expect((usages.object["volumes"] as? [String: Any])?["in_use"] as? Int == 1)
            #expect((usages.object["ports"] as? [String: Any])?["in_use"] as? Int == 2)
        }
    }

    @Test func theDefaultClassSetsEveryProjectsDefaults() async throws {
        try await APITestHarness.run { _, client in
            #expect(try await client.call(.get, "/v1/quota_classes/default", identity: member).status == .forbidden)
            let set = try await client.call(.put, "/v1/quota_classes/default", json: #"{"memory": 1024}"#)
            #expect(set.status == .ok && set.object["memory"] as? Int == 1024 && set.object["containers"] as? Int == 40)
            #expect(try await client.call(.get, "/v1/quotas/p1/defaults", identity: member).object["memory"] as? Int == 1024)
            #expect(try await client.call(.get, "/v1/quotas/p1", identity: member).object["memory"] as? Int == 1024)
        }
    }

    @Test func aCreateOrResizeOverQuotaIs403NamingTheResourceAndWritesNothing() async throws {
        try await APITestHarness.run { harness, client in
            try await TestSupport.seedHost(harness.store, host: "node-1", cpus: 64, memTotal: 65536)
            _ = try await client.call(.put, "/v1/quotas/p1", json: #"{"containers": 2, "memory": 1024}"#)
            for name in ["q1", "q2"] {
                let made = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "\#(name)", "memory": 256}"#, identity: member)
                #expect(made.status == .accepted)
            }
            let third = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "q3", "memory": 256}"#, identity: member)
            #expect(third.status == .forbidden)
            #expect(third.error["code"] as? String == "container.over-quota")
            #expect(third.errorDetail == "Quota exceeded for resources: containers.")
            #expect(try await harness.store.listContainers(.init(projectID: "p1")).count == 2)
            // Another project is not limited by p1's quota.
            #expect(try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "q4"}"#, identity: otherMember).status == .accepted)

            // Memory is checked against the effective value (512 MB by default when omitted).
            _ = try await client.call(.put, "/v1/quotas/p1", json: #"{"containers": 10, "memory": 900}"#)
            let big = try await client.call(.post, "/v1/containers", json: #"{"image": "busybox", "name": "q5"}"#, identity: member)
            #expect(big.status == .forbidden && big.errorDetail == "Quota exceeded for resources: memory.")

            // A resize beyond the quota is refused before the host is asked.
            let uuid = try #require(try await harness.store.listContainers(.init(projectID: "p1")).first?.uuid)
            try await harness.store.updateContainer(uuid: uuid) { $0.status = .running; $0.containerID = "abc" }
            let resize = try await client.call(.patch, "/v1/containers/\(uuid)", json: #"{"memory": 4096}"#, identity: member)
            #expect(resize.status == .forbidden && resize.error["code"] as? String == "container.over-quota")
        }
    }
}
