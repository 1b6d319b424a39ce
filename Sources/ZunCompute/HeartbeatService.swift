import Foundation
import Logging
import ServiceLifecycle
import ZunCore

/// Reports the host alive every `heartbeatInterval` and refreshes its inventory.
struct HeartbeatService: Service {
    let agent: ComputeAgent

    func run() async throws {
        for await _ in AsyncTimerSequence(interval: agent.configuration.heartbeatInterval).cancelOnGracefulShutdown() {
            do {
                try await agent.heartbeat()
                try await agent.refreshInventory()
            } catch {
                agent.logger.warning("heartbeat failed", metadata: [LogKey.error: "\(error)"])
            }
        }
    }
}

/// Ticks every `interval` until cancelled, without drifting on slow iterations.
struct AsyncTimerSequence: AsyncSequence, Sendable {
    typealias Element = Void
    let interval: Duration

    struct AsyncIterator: AsyncIteratorProtocol {
        let interval: Duration
        mutating func next() async -> Void? {
            do {
                try await Task.sleep(for: interval)
                return ()
            } catch {
                return nil
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(interval: interval) }
}
