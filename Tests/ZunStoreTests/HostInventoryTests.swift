import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// `HostInventory` on both databases: usage per host, service records.
struct HostInventoryTests {
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
