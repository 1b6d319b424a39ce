import Foundation
import Testing
import ZunCore
import ZunScheduler
import ZunStore
import ZunTestSupport
@testable import ZunAPI

/// The API's view of the hosts reads liveness apart from changed service records (a heartbeat is not a change):
/// a host that stops heartbeating still leaves the view at the down time, and one that heartbeats stays.
struct HostStateCacheTests {
    @Test func aHostThatStopsHeartbeatingGoesDownInTheViewAndComesBackWhenItBeatsAgain() async throws {
        try await TestSupport.withStore { store, _ in
            let clock = ManualWallClock(Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
            let configuration = APIConfiguration()
            try await TestSupport.seedHost(store, host: "steady", heartbeatAt: clock.now)
            try await TestSupport.seedHost(store, host: "silent", heartbeatAt: clock.now)
            let cache = HostStateCache(store: store, configuration: configuration, clock: clock)
            #expect(try await cache.hostsUp() == ["steady", "silent"])

            // Past the down time, "steady" having beaten on the way (batched, as replicas write them).
            for _ in 0..<Int(configuration.serviceDownTime / 3) + 1 {
                clock.advance(by: 3)
                try await store.heartbeats([Heartbeat(host: "steady", availabilityZone: "nova", endpoint: nil, at: clock.now)])
                _ = try await cache.hostsUp()
            }
            #expect(try await cache.hostsUp() == ["steady"])

            try await store.heartbeats([Heartbeat(host: "silent", availabilityZone: "nova", endpoint: nil, at: clock.now)])
            clock.advance(by: 1)
            #expect(try await cache.hostsUp() == ["steady", "silent"])
        }
    }

    /// A node changed after a quiet spell (longer than the skew overlap) is still read by the incremental
    /// refresh: the reads start where the last ones began, not at the newest stamp seen.
    @Test func aNodeChangedAfterAQuietSpellIsSeen() async throws {
        try await TestSupport.withStore { store, _ in
            try await TestSupport.seedHost(store, host: "small", memTotal: 128)
            try await TestSupport.seedHost(store, host: "big")
            let placement = try ContainerPlacement(store: store, configuration: APIConfiguration())
            let request = SchedulingRequest(cpu: 1, memoryMB: 4096)
            let ranked = { try await placement.cache.rank(request, with: placement.scheduler).hosts.map(\.hostname).sorted() }
            #expect(try await ranked() == ["big"])
            // Quiet for longer than the 2 s overlap, refreshing on the way (the interval is 1 s).
            for _ in 0..<3 {
                try await Task.sleep(for: .milliseconds(1100))
                #expect(try await ranked() == ["big"])
            }
            var node = try #require(try await store.computeNode(ident: "small"))
            node.memTotal = 8192
            try await store.saveComputeNode(node)
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await ranked() == ["big", "small"])
        }
    }
}
