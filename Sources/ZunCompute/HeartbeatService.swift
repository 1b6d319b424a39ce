import Foundation
import Logging
import ServiceLifecycle
import ZunCore

/// Reports the host alive every `heartbeatInterval`, and refreshes its inventory on the same beat.
///
/// The two run as separate loops: the inventory asks the engine for `/info`, which a busy engine can take
/// seconds to answer, and a heartbeat stuck behind it would make a healthy host look dead.
struct HeartbeatService: Service {
    let agent: ComputeAgent

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                await every(agent.configuration.heartbeatInterval, "heartbeat failed") { try await agent.heartbeat() }
            }
            group.addTask {
                await every(agent.configuration.heartbeatInterval, "inventory refresh failed") { try await agent.refreshInventory() }
            }
        }
    }

    private func every(_ interval: Duration, _ failure: Logger.Message, _ body: () async throws -> Void) async {
        for await _ in AsyncTimerSequence(interval: interval).cancelOnGracefulShutdown() {
            do {
                try await body()
            } catch {
                agent.logger.warning(failure, metadata: [LogKey.error: "\(error)"])
            }
        }
    }
}

/// Ticks every `interval` until cancelled. Ticks are on a fixed grid: a slow iteration shortens the next
/// wait rather than pushing every later tick back (and ticks it missed are skipped, not bunched).
struct AsyncTimerSequence: AsyncSequence, Sendable {
    typealias Element = Void
    let interval: Duration

    struct AsyncIterator: AsyncIteratorProtocol {
        let interval: Duration
        var deadline = ContinuousClock.now

        mutating func next() async -> Void? {
            let now = ContinuousClock.now
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

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(interval: interval) }
}
