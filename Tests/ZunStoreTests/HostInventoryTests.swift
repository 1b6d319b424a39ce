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

    /// The API's host cache reads changed service records and liveness apart: a heartbeat is not a change
    /// (thousands of hosts heartbeat every few seconds), a new record, a zone move or a disable is.
    @Test(arguments: TestSupport.Backend.allCases)
    func aHeartbeatIsNotAChangeOfItsServiceButAZoneMoveOrADisableIs(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            // Whole seconds: the stored time is a double, exact for these.
            let first = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
            let beat = { (host: String, zone: String, at: Date) in Heartbeat(host: host, availabilityZone: zone, endpoint: nil, at: at) }
            try await store.heartbeats([beat("a", "nova", first), beat("b", "nova", first)])
            let created = try await store.services(changedSince: 0)
            #expect(Set(created.map(\.host)) == ["a", "b"])

            try await Task.sleep(for: .milliseconds(20))
            let mark = Date().timeIntervalSince1970
            try await store.heartbeats([beat("a", "nova", first.addingTimeInterval(3)), beat("b", "nova", first.addingTimeInterval(3))])
            #expect(try await store.services(changedSince: mark).isEmpty, "a heartbeat counted as a change")
            let seen = try await store.lastSeenUp(computeHosts: ["a", "b", "unknown"])
            #expect(seen == ["a": first.addingTimeInterval(3), "b": first.addingTimeInterval(3)])

            try await store.heartbeats([beat("a", "az2", first.addingTimeInterval(6))])
            try await store.updateService(host: "b", binary: ZunService.computeBinary) { $0.disabled = true }
            #expect(Set(try await store.services(changedSince: mark).map(\.host)) == ["a", "b"])
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
