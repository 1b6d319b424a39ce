import NIOConcurrencyHelpers

/// Wakes agents waiting for tasks of a host when a task for that host is written.
///
/// A waiter registers itself synchronously inside its continuation, so a signal or the timeout can never
/// slip in before it is registered; whichever removes the waiter resumes it, exactly once.
final class TaskWakeups: Sendable {
    private struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var nextID = 0
        var waiters: [String: [Waiter]] = [:]
        /// Hosts signalled while nobody waited: the next wait returns at once.
        var pending: Set<String> = []
    }

    private let state = NIOLockedValueBox(State())
    private let timeouts: TimeoutWheel

    init(timeouts: TimeoutWheel = .shared) {
        self.timeouts = timeouts
    }

    /// Wakes every waiter of `host`, or remembers the signal for the next waiter.
    func signal(host: String) {
        let woken = state.withLockedValue { state -> [Waiter] in
            let waiters = state.waiters.removeValue(forKey: host) ?? []
            if waiters.isEmpty { state.pending.insert(host) }
            return waiters
        }
        for waiter in woken { waiter.continuation.resume(returning: true) }
    }

    /// Returns true when `host` is signalled (or was, while nobody waited), false after `timeout` or when the
    /// waiting task is cancelled.
    @discardableResult
    func wait(host: String, timeout: Duration) async -> Bool {
        let id = state.withLockedValue { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        let timer = NIOLockedValueBox<TimeoutWheel.Token?>(nil)
        let woken = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                // Checked under the lock: a cancellation either came before (no wait) or finds the waiter.
                let registered = state.withLockedValue { state -> Bool? in
                    if state.pending.remove(host) != nil { return nil }
                    if Task.isCancelled { return false }
                    state.waiters[host, default: []].append(Waiter(id: id, continuation: continuation))
                    return true
                }
                switch registered {
                case nil: continuation.resume(returning: true)
                case false?: continuation.resume(returning: false)
                case true?: timer.withLockedValue { $0 = timeouts.schedule(after: timeout) { self.timeOut(host: host, id: id) } }
                }
            }
        } onCancel: {
            self.timeOut(host: host, id: id)
        }
        if let token = timer.withLockedValue({ $0 }) { timeouts.cancel(token) }
        return woken
    }

    private func timeOut(host: String, id: Int) {
        let waiter = state.withLockedValue { state -> Waiter? in
            guard var waiters = state.waiters[host], let index = waiters.firstIndex(where: { $0.id == id }) else {
                return nil
            }
            let waiter = waiters.remove(at: index)
            state.waiters[host] = waiters.isEmpty ? nil : waiters
            return waiter
        }
        waiter?.continuation.resume(returning: false)
    }
}
