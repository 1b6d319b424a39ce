import Foundation
import Testing
import ZunCore
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
}
