import Logging
import NIOConcurrencyHelpers

/// Wakes the overlay long-polls of the hosts on a network whose ports changed (docs/architecture.md,
/// "Networks"). A change names networks; which hosts realized them is read once per batch of changes (changes
/// arriving while a batch is read form the next one), and each such host is signalled as `TaskWakeups` signals
/// tasks: a host not waiting at that moment finds the signal at its next wait, so a change committed while the
/// host was reading its peers is never lost.
final class OverlayWakeups: Sendable {
    private struct State {
        var changed: Set<String> = []
        var draining = false
    }

    private let hosts = TaskWakeups()
    private let state = NIOLockedValueBox(State())
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Notes that ports of `networks` changed; `hostsRealizing` names the hosts to wake for a batch of networks.
    func changed(
        networks: some Sequence<String>, hostsRealizing: @escaping @Sendable ([String]) async throws -> [String]
    ) {
        let start = state.withLockedValue { state -> Bool in
            state.changed.formUnion(networks)
            guard !state.draining, !state.changed.isEmpty else { return false }
            state.draining = true
            return true
        }
        // One drain at a time, for as long as changes keep coming; it ends when a read finds nothing new.
        if start { Task { await self.drain(hostsRealizing) } }
    }

    /// Returns when a network `host` realized changed, after `timeout`, or when the waiting task is cancelled.
    func wait(host: String, timeout: Duration) async {
        _ = await hosts.wait(host: host, timeout: timeout)
    }

    private func drain(_ hostsRealizing: @Sendable ([String]) async throws -> [String]) async {
        while true {
            let batch = state.withLockedValue { state -> [String] in
                let batch = Array(state.changed)
                state.changed = []
                if batch.isEmpty { state.draining = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                for host in Set(try await hostsRealizing(batch)) { hosts.signal(host: host) }
            } catch {
                // The agents' periodic full reconcile still brings these hosts in line.
                logger.debug("waking overlay hosts failed", metadata: ["networks": "\(batch.count)", "error": "\(error)"])
            }
        }
    }
}
