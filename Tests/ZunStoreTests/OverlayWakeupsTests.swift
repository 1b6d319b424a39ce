import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// Overlay wake-ups: a change of a network's ports wakes the hosts that realized it, and only them, without
/// waiting for their periodic reconcile (docs/architecture.md, "Networks").
struct OverlayWakeupsTests {
    static let pool = SubnetPool(pool: IPv4Subnet("10.62.0.0/16")!, prefixLength: 24)
    /// Far longer than any wake-up takes: a wait that lasts this long was not woken.
    static let long: Duration = .seconds(20)

    /// How long `host`'s wait took, with `change` made while it waited (or before, when `waitFirst` is false).
    static func timeWait(
        _ store: SQLStore, host: String, timeout: Duration = long, waitFirst: Bool = true, _ change: @Sendable () async throws -> Void
    ) async throws -> Duration {
        if !waitFirst { try await change() }
        return try await withThrowingTaskGroup(of: Duration.self) { group in
            group.addTask {
                let start = ContinuousClock.now
                await store.waitForOverlayChange(host: host, timeout: timeout)
                return ContinuousClock.now - start
            }
            if waitFirst {
                try await Task.sleep(for: .milliseconds(100))
                try await change()
            }
            return try await group.next()!
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func aPortChangeWakesTheHostsOfItsNetworkAndNoOthers(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let blue = try await store.projectDefaultNetwork(projectID: "p1", userID: "u", pool: Self.pool)
            let red = try await store.projectDefaultNetwork(projectID: "p2", userID: "u", pool: Self.pool)
            try await store.recordNetworkRealized(uuid: blue.uuid, host: "a", dockerID: "d1")
            try await store.recordNetworkRealized(uuid: red.uuid, host: "z", dockerID: "d2")
            // y realized blue without an overlay (a hollow host, `zun dev`): its ports changing concern it not.
            try await store.recordNetworkRealized(uuid: blue.uuid, host: "y", dockerID: "d4", overlay: false)
            let container = Container(
                uuid: RandomUUID.make(), name: "c", projectID: "p1", userID: "u", image: "busybox", cpu: 0.1, memory: "16", createdAt: Date()
            )

            // A port appears on host b: a, which has the network, wakes at once.
            let created = try await Self.timeWait(store, host: "a") {
                var placed = container
                placed.host = "b"
                placed.networks = [NetworkAttachment(networkUUID: blue.uuid, portUUID: RandomUUID.make())]
                try await store.createContainer(placed, action: nil, task: nil)
            }
            #expect(created < .seconds(5), "woken by the create, not by the \(Self.long) timeout: \(created)")

            // z has only red: nothing wakes it.
            let untouched = try await Self.timeWait(store, host: "z", timeout: .seconds(1)) {}
            #expect(untouched >= .milliseconds(900), "z was woken although none of its networks changed: \(untouched)")
            let withoutOverlay = try await Self.timeWait(store, host: "y", timeout: .seconds(1)) {}
            #expect(withoutOverlay >= .milliseconds(900), "y, without an overlay, was woken: \(withoutOverlay)")

            // A change made while a was not waiting (it was reading its peers) ends a's next wait at once.
            let missed = try await Self.timeWait(store, host: "a", waitFirst: false) { try await store.destroyContainer(uuid: container.uuid) }
            #expect(missed < .seconds(5), "the port's removal was remembered for a's next wait: \(missed)")

            // A host found down (or back) wakes the hosts of the networks it realized.
            try await store.recordNetworkRealized(uuid: blue.uuid, host: "b", dockerID: "d3")
            let liveness = try await Self.timeWait(store, host: "a") { try await store.overlayHostChanged(host: "b") }
            #expect(liveness < .seconds(5), "b's liveness change woke a: \(liveness)")
        }
    }
}
