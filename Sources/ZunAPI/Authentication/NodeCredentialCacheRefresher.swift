import Logging
import ServiceLifecycle
import ZunCore

/// Keeps the replica's `NodeCredentialCache` checked: every half `ttl`, one read of all valid node credentials
/// renews the entries still valid and drops the rest, so a revocation still takes effect within `ttl` while no
/// request reads its credential from the database. It reads nothing while no request used the cache.
public struct NodeCredentialCacheRefresher: Service {
    let credentials: NodeCredentials
    let logger: Logger

    public init(credentials: NodeCredentials, logger: Logger = Logger(label: "zun.node-credentials")) {
        self.credentials = credentials
        self.logger = logger
    }

    public func run() async throws {
        guard let cache = credentials.cache, cache.ttl > 0 else { return }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(cache.ttl / 2)) }
            guard cache.wasUsed else { continue }
            do {
                try await credentials.refreshCache()
            } catch {
                // Entries then run out at their TTL and requests read their credential themselves: fail closed.
                logger.warning("re-checking cached node credentials failed", metadata: [LogKey.error: "\(error)"])
            }
        }
    }
}
