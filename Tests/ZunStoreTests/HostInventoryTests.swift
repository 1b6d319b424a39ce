import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// `HostInventory` on both databases: usage per host, service records.
struct HostInventoryTests {
    /// 1,200 hosts' heartbeats in one batch (three statements), then again: every service record is made,
    /// then counted twice, with the newer time.
    @Test(arguments: TestSupport.Backend.allCases)
    func batchedHeartbeatsWriteEveryHost(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let first = Date(timeIntervalSince1970: 1_800_000_000)
            let beats = (0..<1200).map { Heartbeat(host: "h\($0)", availabilityZone: "nova", endpoint: nil, at: first) }
            try await store.heartbeats(beats)
            try await store.heartbeats(beats.map { var beat = $0; beat.at = first.addingTimeInterval(3); beat.availabilityZone = "az2"; return beat })
            try await store.heartbeats([])
            let services = try await store.services()
            #expect(services.count == 1200)
            #expect(services.allSatisfy {
                $0.binary == ZunService.computeBinary && $0.reportCount == 2 && $0.lastSeenUp == first.addingTimeInterval(3) && $0.availabilityZone == "az2"
            })
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func usageCountsLiveContainersPerHost(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            try await store.createContainer(TestSupport.container("a"), action: nil, task: nil)
            var failed = TestSupport.container("b")
            failed.status = .error
            try await store.createContainer(failed, action: nil, task: nil)
            let usage = try await store.hostUsage()["h1"]
            #expect(usage == HostUsage(cpu: 1, memoryMB: 256, diskGB: 0, containers: 1))
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func servicesCanBeDisabledForcedDownAndDeleted(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            try await TestSupport.seedHost(store, host: "h1")
            let disabled = try await store.updateService(host: "h1", binary: "zun-compute") {
                $0.disabled = true
                $0.disabledReason = "maintenance"
            }
            #expect(disabled?.disabled == true)
            #expect(try await store.services().first?.disabledReason == "maintenance")
            #expect(try await store.updateService(host: "nope", binary: "zun-compute") { $0.forcedDown = true } == nil)
            #expect(try await store.deleteService(host: "h1", binary: "zun-compute"))
            #expect(try await store.services().isEmpty)
            #expect(try await store.computeNodes().isEmpty)
            #expect(try await store.deleteService(host: "h1", binary: "zun-compute") == false)
        }
    }
}
