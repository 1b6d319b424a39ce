import Foundation
import Testing
import ZunCore
@testable import ZunStore
import ZunTestSupport

/// A project's usage is one row kept by triggers (migration 10): it must say what summing the project's rows
/// would, after every kind of change, on both databases.
struct ProjectUsageTests {
    static let pool = SubnetPool(pool: IPv4Subnet("10.63.0.0/16")!, prefixLength: 24)

    static func container(_ project: String, cpu: Double, memory: String) -> Container {
        Container(uuid: RandomUUID.make(), name: "c", projectID: project, userID: "u", image: "busybox", cpu: cpu, memory: memory, createdAt: Date())
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func theUsageRowFollowsEveryChange(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let a = Self.container("p1", cpu: 0.1, memory: "64")
            var b = Self.container("p1", cpu: 0.25, memory: "128")
            b.disk = 3
            let c = Self.container("p2", cpu: 1.5, memory: "256")
            for container in [a, b, c] { try await store.createContainer(container, action: nil, task: nil) }
            #expect(try await store.quotaUsage(projectID: "p1") == QuotaUsage(containers: 2, cpu: 0.35, memory: 192, disk: 3))
            #expect(try await store.quotaUsage(projectID: "p2") == QuotaUsage(containers: 1, cpu: 1.5, memory: 256))
            #expect(try await store.quotaUsage(projectID: "nobody") == QuotaUsage())

            // A resize counts; a status change does not touch it.
            try await store.updateContainer(uuid: a.uuid) { $0.cpu = 2; $0.memory = "512" }
            try await store.updateContainer(uuid: b.uuid) { $0.status = .running }
            #expect(try await store.quotaUsage(projectID: "p1") == QuotaUsage(containers: 2, cpu: 2.25, memory: 640, disk: 3))

            // A thousand small adds and removes leave no drift (cpu is kept in thousandths).
            for _ in 0..<10 {
                let extra = Self.container("p1", cpu: 0.1, memory: "1")
                try await store.createContainer(extra, action: nil, task: nil)
                try await store.destroyContainer(uuid: extra.uuid)
            }
            try await store.destroyContainer(uuid: b.uuid)
            #expect(try await store.quotaUsage(projectID: "p1") == QuotaUsage(containers: 1, cpu: 2, memory: 512))

            // Networks, ports and volumes.
            let network = try await store.projectDefaultNetwork(projectID: "p1", userID: "u", pool: Self.pool)
            var joined = Self.container("p1", cpu: 0.5, memory: "32")
            joined.networks = [NetworkAttachment(networkUUID: network.uuid, portUUID: RandomUUID.make())]
            try await store.createContainer(joined, action: nil, task: nil)
            let port = try await store.createPort(NetworkPort(
                uuid: RandomUUID.make(), networkUUID: network.uuid, projectID: "p1", containerUUID: nil, ipv4: nil, ipv6: nil, preserveOnDelete: false, createdAt: Date()
            ))
            let volume = Volume(uuid: RandomUUID.make(), name: "data", projectID: "p1", userID: "u", kind: .volume, autoRemove: false, createdAt: Date())
            try await store.createVolume(volume)
            #expect(try await store.quotaUsage(projectID: "p1") == QuotaUsage(containers: 2, cpu: 2.5, memory: 544, networks: 1, volumes: 1, ports: 2))
            try await store.deletePort(uuid: port.uuid)
            try await store.destroyContainer(uuid: joined.uuid)
            try await store.deleteNetwork(uuid: network.uuid)
            #expect(try await store.quotaUsage(projectID: "p1") == QuotaUsage(containers: 1, cpu: 2, memory: 512, volumes: 1))
        }
    }

    /// Creates and deletes of one project running side by side on many connections (on PostgreSQL each adds to
    /// its connection's shard of the usage, migration 13): the sum is exact, and more than one shard took part.
    @Test(arguments: TestSupport.Backend.allCases)
    func concurrentChangesOfOneProjectSumExactly(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let containers = (0..<48).map { _ in Self.container("busy", cpu: 0.125, memory: "16") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for container in containers { group.addTask { try await store.createContainer(container, action: nil, task: nil) } }
                try await group.waitForAll()
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for container in containers.prefix(20) { group.addTask { try await store.destroyContainer(uuid: container.uuid) } }
                try await group.waitForAll()
            }
            #expect(try await store.quotaUsage(projectID: "busy") == QuotaUsage(containers: 28, cpu: 3.5, memory: 448))
            let rows = try await store.backend.read { db in try await db.run("SELECT * FROM project_usage WHERE project_id = 'busy'").count }
            if backend == .postgres {
                #expect(rows > 1, "the creates ran on several connections, each adding to its own shard")
            } else {
                #expect(rows == 1)
            }
        }
    }
}
