import NIOConcurrencyHelpers

/// Wakes agents waiting for tasks of a host when a task for that host is written in this process.
final class TaskWakeups: Sendable {
    private struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Void, Never>
    }

    private let state = NIOLockedValueBox<(nextID: Int, waiters: [String: [Waiter]], pending: Set<String>)>(
        (0, [:], [])
    )

    /// Wakes every waiter of `host`, or remembers the signal for the next waiter.
    func signal(host: String) {
        let woken = state.withLockedValue { state -> [Waiter] in
            let waiters = state.waiters.removeValue(forKey: host) ?? []
            if waiters.isEmpty { state.pending.insert(host) }
            return waiters
        }
        for waiter in woken { waiter.continuation.resume() }
    }

    /// Returns when `host` is signalled or after `timeout`.
    func wait(host: String, timeout: Duration) async {
        let id = state.withLockedValue { state -> Int? in
            if state.pending.remove(host) != nil { return nil }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let alreadySignalled = self.state.withLockedValue { state -> Bool in
                        if state.pending.remove(host) != nil { return true }
                        state.waiters[host, default: []].append(Waiter(id: id, continuation: continuation))
                        return false
                    }
                    if alreadySignalled { continuation.resume() }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.resume(host: host, id: id)
            }
            await group.next()
            group.cancelAll()
            self.resume(host: host, id: id)
        }
    }

    private func resume(host: String, id: Int) {
        let waiter = state.withLockedValue { state -> Waiter? in
            guard var waiters = state.waiters[host], let index = waiters.firstIndex(where: { $0.id == id }) else {
                return nil
            }
            let waiter = waiters.remove(at: index)
            state.waiters[host] = waiters.isEmpty ? nil : waiters
            return waiter
        }
        waiter?.continuation.resume()
    }
}
