import NIOConcurrencyHelpers
import Testing
@testable import ZunStore

/// The shared timeout wheel: an action runs once its delay has passed (never before), a cancelled one never
/// runs, and a wheel whose sweep stopped (nothing waited) starts again. The waits below are bounds for a loaded
/// machine, not expected times.
struct TimeoutWheelTests {
    /// Waits until `done` holds, for at most 20 s.
    static func eventually(_ done: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !done(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func anActionRunsAfterItsDelayAndACancelledOneNever() async throws {
        let wheel = TimeoutWheel(tick: .milliseconds(10))
        let ran = NIOLockedValueBox<[String: ContinuousClock.Instant]>([:])
        let start = ContinuousClock.now
        let cancelled = wheel.schedule(after: .milliseconds(30)) { ran.withLockedValue { $0["cancelled"] = .now } }
        wheel.schedule(after: .milliseconds(50)) { ran.withLockedValue { $0["due"] = .now } }
        wheel.cancel(cancelled)
        #expect(wheel.pending == 1)
        try await Self.eventually { ran.withLockedValue { $0["due"] != nil } }
        let times = ran.withLockedValue { $0 }
        // The cancelled action was due before the other one, so it would have run by now.
        #expect(times["cancelled"] == nil)
        let due = try #require(times["due"])
        #expect(due - start >= .milliseconds(50), "ran early: \(due - start)")
        #expect(wheel.pending == 0)
    }

    @Test func aWheelThatStoppedStartsAgain() async throws {
        let wheel = TimeoutWheel(tick: .milliseconds(5))
        for round in 0..<2 {
            let fired = NIOLockedValueBox(0)
            for delay in [0, 5, 20] { wheel.schedule(after: .milliseconds(delay)) { fired.withLockedValue { $0 += 1 } } }
            try await Self.eventually { fired.withLockedValue { $0 } == 3 }
            #expect(fired.withLockedValue { $0 } == 3, "round \(round)")
            #expect(wheel.pending == 0)
            // Let the sweep see that nothing waits and stop.
            try await Self.eventually { wheel.isSweeping == false }
            #expect(wheel.isSweeping == false, "round \(round)")
        }
    }
}
