import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// The store's side of overlay networks: a unique VNI per network, and the ports a host programs into its VXLAN
/// device (docs/architecture.md, "Networks").
struct OverlayPeersTests {
    static let pool = SubnetPool(pool: IPv4Subnet("10.61.0.0/16")!, prefixLength: 24)

    @Test(arguments: TestSupport.Backend.allCases)
    func networksGetDistinctVNIsAndAHostLearnsOnlyTheOtherHostsPortsOfItsNetworks(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let blue = try await store.projectDefaultNetwork(projectID: "p1", userID: "u", pool: Self.pool)
            let red = try await store.projectDefaultNetwork(projectID: "p2", userID: "u", pool: Self.pool)
            let vnis = [blue.vni, red.vni].compactMap { $0 }
            #expect(vnis.count == 2 && Set(vnis).count == 2 && vnis.allSatisfy { (1...Network.maximumVNI).contains($0) })
            #expect(try await store.network(uuid: blue.uuid)?.vni == blue.vni, "the VNI is read back with the record")

            for (host, underlay) in [("a", "192.0.2.11"), ("b", "192.0.2.12"), ("c", nil)] {
                var node = ComputeNode(uuid: RandomUUID.make(), hostname: host)
                node.underlayAddress = underlay
                try await store.saveComputeNode(node)
            }
            func place(_ host: String, on network: Network, project: String) async throws -> String {
                var container = Container(uuid: RandomUUID.make(), name: "c", projectID: project, userID: "u", image: "busybox", cpu: 0.1, memory: "16", createdAt: Date())
                container.host = host
                container.networks = [NetworkAttachment(networkUUID: network.uuid, portUUID: RandomUUID.make())]
                try await store.createContainer(container, action: nil, task: nil)
                return try #require(try await store.container(uuid: container.uuid)?.networks?.first?.ipv4)
            }
            let onA = try await place("a", on: blue, project: "p1")
            let onB = try await place("b", on: blue, project: "p1")
            _ = try await place("c", on: blue, project: "p1")
            _ = try await place("b", on: red, project: "p2")

            let seenByA = try await store.overlayPeers(networkUUID: blue.uuid, excludingHost: "a", aliveSince: nil)
            #expect(seenByA == [OverlayPeer(ipv4: onB, mac: try #require(OverlayPeer.mac(ipv4: onB)), underlay: "192.0.2.12")],
                    "b's port with its underlay; c took part in no overlay; a's own port is not a peer")
            #expect(try await store.overlayPeers(networkUUID: blue.uuid, excludingHost: "b", aliveSince: nil).map(\.ipv4) == [onA])
            #expect(try await store.overlayPeers(networkUUID: red.uuid, excludingHost: "a", aliveSince: nil).isEmpty, "a has no container on red")

            // A host that stopped heartbeating (or is forced down) leaves the other hosts' overlays.
            let now = Date()
            try await store.heartbeat(host: "b", binary: ZunService.computeBinary, availabilityZone: "nova", endpoint: nil, at: now.addingTimeInterval(-60))
            #expect(try await store.overlayPeers(networkUUID: blue.uuid, excludingHost: "a", aliveSince: now.addingTimeInterval(-15)).isEmpty)
            try await store.heartbeat(host: "b", binary: ZunService.computeBinary, availabilityZone: "nova", endpoint: nil, at: now)
            #expect(try await store.overlayPeers(networkUUID: blue.uuid, excludingHost: "a", aliveSince: now.addingTimeInterval(-15)).map(\.ipv4) == [onB])
        }
    }

    @Test func aPortsMACIsFixedByItsAddress() {
        #expect(OverlayPeer.mac(ipv4: "10.224.0.3") == "02:42:0a:e0:00:03")
        #expect(OverlayPeer.mac(ipv4: "255.1.2.254") == "02:42:ff:01:02:fe")
        #expect(OverlayPeer.mac(ipv4: "not an address") == nil)
    }
}
