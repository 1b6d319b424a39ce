import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import ZunCore
import ZunStore

/// The node protocol's heartbeats, kept in memory and written in batches (docs/node-protocol.md). 5,000 hosts
/// every 3 s are about 1,700 heartbeats a second: one multi-row upsert per interval instead of a transaction
/// each. A replica that dies loses at most one interval of liveness, far under the 15 s after which a host is
/// down. Runs as a service of the API application, with a last flush on shutdown.
public final class HeartbeatBuffer: Service, Sendable {
    let store: any HostInventory
    let interval: Duration
    let logger: Logger
    /// The newest heartbeat of each host since the last flush.
    private let pending = NIOLockedValueBox<[String: Heartbeat]>([:])

    public init(store: any HostInventory, interval: Duration = .seconds(1), logger: Logger = Logger(label: "zun.heartbeats")) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func record(_ beat: Heartbeat) {
        pending.withLockedValue { $0[beat.host] = beat }
    }

    /// Heartbeats waiting for the next flush.
    public var waiting: Int { pending.withLockedValue { $0.count } }

    /// Writes what is pending; on failure it stays pending (unless a newer heartbeat of the host arrived).
    public func flush() async throws {
        let beats = pending.withLockedValue { pending -> [Heartbeat] in
            defer { pending = [:] }
            return Array(pending.values)
        }
        do {
            try await store.heartbeats(beats)
        } catch {
            pending.withLockedValue { pending in
                for beat in beats where pending[beat.host] == nil { pending[beat.host] = beat }
            }
            throw error
        }
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: interval)
            do {
                try await flush()
            } catch {
                logger.warning("writing heartbeats failed; retrying", metadata: [LogKey.error: "\(error)"])
            }
        }
        try? await flush()
    }
}
