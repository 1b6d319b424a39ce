import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// Network, port and volume records on SQLite and PostgreSQL: concurrent first use, address allocation,
/// and the in-use rules.
struct NetworkStoreTests {
    static let pool = SubnetPool(pool: IPv4Subnet("10.60.0.0/16")!, prefixLength: 24)

    func container(_ project: String, networks: [NetworkAttachment]) -> Container {
        var c = Container(uuid: UUID().uuidString.lowercased(), name: "c", projectID: project, userID: "u", image: "busybox", cpu: 0.1, memory: "16", createdAt: Date())
        c.networks = networks
        return c
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func concurrentFirstUsersOfAProjectShareOneDefaultNetwork(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let uuids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await store.projectDefaultNetwork(projectID: "p1", userID: "u", pool: Self.pool).uuid }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(uuids.count == 1)
            let networks = try await store.listNetworks(visibleTo: "p1")
            #expect(networks.map(\.name) == ["default"])
            #expect(networks.first?.ipv4?.cidr == "10.60.0.0/24")
            // The next network gets the next subnet; a clash with a given subnet is refused.
            let other = try await store.projectDefaultNetwork(projectID: "p2", userID: "u", pool: Self.pool)
            #expect(other.ipv4?.cidr == "10.60.1.0/24")
            let clash = Network(uuid: UUID().uuidString.lowercased(), name: "clash", projectID: "p3", userID: "u", subnets: [Subnet(cidr: "10.60.1.128/25", gateway: nil, ipVersion: 4)], createdAt: Date())
            await #expect(throws: ZunError.self) { try await store.createNetwork(clash, pool: Self.pool) }
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func concurrentCreatesGetDistinctAddressesAndAFixedOneOnlyOnce(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let network = try await store.projectDefaultNetwork(projectID: "p1", userID: "u", pool: Self.pool)
            let addresses = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        var c = self.container("p1", networks: [NetworkAttachment(networkUUID: network.uuid, portUUID: UUID().uuidString.lowercased())])
                        try await store.createContainer(c, action: nil, task: nil)
                        c = try #require(try await store.container(uuid: c.uuid))
                        return c.networks?.first?.ipv4
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1 ?? "") }
            }
            #expect(Set(addresses).count == 40)
            let subnet = IPv4Subnet("10.60.0.0/24")!
            #expect(addresses.allSatisfy { IPv4Address($0).map { subnet.contains($0) && $0.description != "10.60.0.1" } == true })

            // A free address (on PostgreSQL the allocations above are random, so any could be taken).
            let free = try #require((2...254).map { "10.60.0.\($0)" }.first { !addresses.contains($0) })
            let fixed = NetworkAttachment(networkUUID: network.uuid, portUUID: UUID().uuidString.lowercased(), ipv4: free)
            let owner = container("p1", networks: [fixed])
            try await store.createContainer(owner, action: nil, task: nil)
            var again = fixed
            again.portUUID = UUID().uuidString.lowercased()
            await #expect(throws: ZunError.self) { try await store.createContainer(self.container("p1", networks: [again]), action: nil, task: nil) }

            // In use: the network cannot go. Once its containers are destroyed, their ports go and it can.
            await #expect(throws: ZunError.self) { try await store.deleteNetwork(uuid: network.uuid) }
            for c in try await store.listContainers(.init()) { try await store.destroyContainer(uuid: c.uuid) }
            try await store.deleteNetwork(uuid: network.uuid)
            #expect(try await store.network(uuid: network.uuid) == nil)
        }
    }

    /// Every usable address of a /24 given out by concurrent creates (on PostgreSQL random picks, each insert
    /// skipping an address another took, then a search once 8 picks were taken), each once; the next is refused.
    @Test(arguments: TestSupport.Backend.allCases)
    func aNetworkGivesOutEveryAddressOnceThenRefuses(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let network = try await store.projectDefaultNetwork(projectID: "p1", userID: "u", pool: Self.pool)
            let attach: @Sendable () -> NetworkAttachment = { NetworkAttachment(networkUUID: network.uuid, portUUID: UUID().uuidString.lowercased()) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<253 {
                    group.addTask { try await store.createContainer(self.container("p1", networks: [attach()]), action: nil, task: nil) }
                }
                try await group.waitForAll()
            }
            let addresses = try await store.listContainers(.init()).compactMap { $0.networks?.first?.ipv4 }
            #expect(addresses.count == 253 && Set(addresses) == Set((2...254).map { "10.60.0.\($0)" }))
            await #expect(throws: ZunError.self) { try await store.createContainer(self.container("p1", networks: [attach()]), action: nil, task: nil) }
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func aVolumeMountedByOneContainerIsRefusedToAnotherAndToDelete(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let volume = Volume(uuid: UUID().uuidString.lowercased(), name: "data", projectID: "p1", userID: "u", kind: .volume, autoRemove: false, createdAt: Date())
            try await store.createVolume(volume)
            var first = container("p1", networks: [])
            first.mounts = [VolumeAttachment(volumeUUID: volume.uuid, destination: "/d", kind: .volume, autoRemove: false)]
            try await store.createContainer(first, action: nil, task: nil)
            var second = container("p1", networks: [])
            second.mounts = first.mounts
            await #expect(throws: ZunError.self) { try await store.createContainer(second, action: nil, task: nil) }
            await #expect(throws: ZunError.self) { try await store.deleteVolume(uuid: volume.uuid) }
            #expect(try await store.volumeUsers(uuid: volume.uuid) == [first.uuid])

            // A volume made for a container goes with it; a named one stays.
            let made = Volume(uuid: UUID().uuidString.lowercased(), name: "made", projectID: "p1", userID: "u", kind: .volume, size: 1, autoRemove: true, createdAt: Date())
            var third = container("p1", networks: [])
            third.mounts = [VolumeAttachment(volumeUUID: made.uuid, destination: "/m", kind: .volume, autoRemove: true, newVolume: made)]
            try await store.createContainer(third, action: nil, task: nil)
            #expect(try await store.container(uuid: third.uuid)?.mounts?.first?.newVolume == nil, "the record keeps a reference, not a copy")
            try await store.destroyContainer(uuid: third.uuid)
            try await store.destroyContainer(uuid: first.uuid)
            #expect(try await store.volume(uuid: made.uuid) == nil)
            #expect(try await store.volume(uuid: volume.uuid) != nil)
            try await store.deleteVolume(uuid: volume.uuid)
        }
    }
}
