import NIOConcurrencyHelpers

/// Runs actions at their deadlines from one sleeping task, rather than one timer per deadline.
///
/// Every long-poll wait and every PostgreSQL call has a timeout, and almost none of them fire: the wait is woken,
/// the call answers. With a `Task.sleep` each, 5,000 hosts kept tens of thousands of timers alive in the
/// dispatch timer heap (up to 20 s after their call had finished), and keeping that heap in order was a
/// tenth of the process's time (BENCHMARKS.md). Here a deadline is an entry in a bucket of its `tick`, cancelling it
/// removes the entry, and one task wakes every `tick` while deadlines are pending, to run those that are due.
/// An action runs at most a `tick` late, never early.
public final class TimeoutWheel: Sendable {
    /// Names a scheduled action, to cancel it.
    public struct Token: Hashable, Sendable {
        fileprivate let id: Int
    }

    private struct State {
        var nextID = 0
        var actions: [Int: @Sendable () -> Void] = [:]
        /// The ids due in each tick (an id cancelled since is gone from `actions`, and skipped).
        var buckets: [Int64: [Int]] = [:]
        /// Every tick up to this one has run.
        var lastSwept: Int64 = 0
        var sweeping = false
    }

    /// The wheel most of the process shares: one sleeping task for every timeout in it.
    public static let shared = TimeoutWheel()

    public let tick: Duration
    private let epoch = ContinuousClock.now
    private let state = NIOLockedValueBox(State())

    public init(tick: Duration = .milliseconds(10)) {
        precondition(tick > .zero, "a wheel's tick must be positive")
        self.tick = tick
    }

    /// Runs `action` once `delay` has passed, unless cancelled first.
    @discardableResult
    public func schedule(after delay: Duration, _ action: @escaping @Sendable () -> Void) -> Token {
        let now = ContinuousClock.now
        let (id, start) = state.withLockedValue { state -> (Int, Bool) in
            let start = !state.sweeping
            if start {
                state.sweeping = true
                state.lastSwept = ticks(now, roundingUp: false)
            }
            state.nextID += 1
            let due = max(ticks(now + max(delay, .zero), roundingUp: true), state.lastSwept + 1)
            state.actions[state.nextID] = action
            state.buckets[due, default: []].append(state.nextID)
            return (state.nextID, start)
        }
        if start { Task { await self.sweep() } }
        return Token(id: id)
    }

    /// Forgets the action of `token`; it will not run (unless it already has).
    public func cancel(_ token: Token) {
        _ = state.withLockedValue { $0.actions.removeValue(forKey: token.id) }
    }

    /// How many actions wait for their deadline.
    public var pending: Int { state.withLockedValue { $0.actions.count } }

    /// Whether the sweeping task runs (only while actions wait).
    var isSweeping: Bool { state.withLockedValue { $0.sweeping } }

    private func sweep() async {
        while true {
            try? await Task.sleep(for: tick)
            let now = ticks(ContinuousClock.now, roundingUp: false)
            let (due, stop) = state.withLockedValue { state -> ([@Sendable () -> Void], Bool) in
                var due: [@Sendable () -> Void] = []
                while state.lastSwept < now {
                    state.lastSwept += 1
                    for id in state.buckets.removeValue(forKey: state.lastSwept) ?? [] {
                        if let action = state.actions.removeValue(forKey: id) { due.append(action) }
                    }
                }
                // Nothing left to wait for: stop; the next `schedule` starts a new sweep.
                guard state.actions.isEmpty else { return (due, false) }
                state.buckets.removeAll()
                state.sweeping = false
                return (due, true)
            }
            for action in due { action() }
            if stop { return }
        }
    }

    private func ticks(_ instant: ContinuousClock.Instant, roundingUp: Bool) -> Int64 {
        let elapsed = instant - epoch
        let tickNanos = tick.components.seconds * 1_000_000_000 + tick.components.attoseconds / 1_000_000_000
        let nanos = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        return roundingUp ? (nanos + tickNanos - 1) / tickNanos : nanos / tickNanos
    }
}
