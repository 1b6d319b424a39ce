import Foundation
import Logging
import ServiceLifecycle
import ZunCore

/// Reports the host alive every `heartbeatInterval`, and refreshes its inventory on the same beat.
///
/// The two run as separate loops: the inventory asks the engine for `/info`, which a busy engine can take
/// seconds to answer, and a heartbeat stuck behind it would make a healthy host look dead. The first heartbeat
/// goes at once: registration (with its reconcile and recovery) may have taken a while since the registration's
/// own heartbeat, and 5,000 hollow hosts register one after another before any of them starts its loops
/// (BENCHMARKS.md, "The node protocol at scale").
struct HeartbeatService: Service {
    let agent: ComputeAgent

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                await every(agent.configuration.heartbeatInterval, firstAtOnce: true, "heartbeat failed") { try await agent.heartbeat() }
            }
            group.addTask {
                await every(agent.configuration.heartbeatInterval, "inventory refresh failed") { try await agent.refreshInventory() }
            }
        }
    }

    private func every(_ interval: Duration, firstAtOnce: Bool = false, _ failure: Logger.Message, _ body: () async throws -> Void) async {
        for await _ in AsyncTimerSequence(interval: interval, firstAtOnce: firstAtOnce).cancelOnGracefulShutdown() {
            do {
                try await body()
            } catch {
                agent.logger.warning(failure, metadata: [LogKey.error: "\(error)"])
            }
        }
    }
}

/// Ticks every `interval` until cancelled (the first tick after one interval, or at once). Ticks are on a fixed
/// grid: a slow iteration shortens the next wait rather than pushing every later tick back (and ticks it missed
/// are skipped, not bunched).
struct AsyncTimerSequence: AsyncSequence, Sendable {
    typealias Element = Void
    let interval: Duration
    var firstAtOnce = false

    struct AsyncIterator: AsyncIteratorProtocol {
        let interval: Duration
        var firstAtOnce: Bool
        var deadline = ContinuousClock.now

        mutating func next() async -> Void? {
            let now = ContinuousClock.now
            if firstAtOnce {
                firstAtOnce = false
                return Task.isCancelled ? nil : ()
            }
            deadline = deadline.advanced(by: interval)
            if deadline < now { deadline = now }
            do {
                try await Task.sleep(until: deadline, clock: .continuous)
                return ()
            } catch {
                return nil
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(interval: interval, firstAtOnce: firstAtOnce) }
}
