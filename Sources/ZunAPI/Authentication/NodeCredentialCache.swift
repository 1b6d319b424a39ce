import Foundation
import NIOConcurrencyHelpers
import ZunCore

/// Node credentials already checked, by digest, for a few seconds: 5,000 hosts heartbeating every 3 s would
/// otherwise read the database on every request (it was most of the API's CPU for heartbeats,
/// BENCHMARKS.md). A revocation or the end of a rotation's grace takes effect within `ttl`.
public final class NodeCredentialCache: Sendable {
    public let ttl: TimeInterval
    let limit: Int
    private let entries = NIOLockedValueBox<[String: (host: String, until: Date)]>([:])

    public init(ttl: TimeInterval = 5, limit: Int = 50_000) {
        self.ttl = ttl
        self.limit = limit
    }

    func host(digest: String, now: Date) -> String? {
        entries.withLockedValue { entries in
            guard let entry = entries[digest], now < entry.until else { return nil }
            return entry.host
        }
    }

    func store(digest: String, host: String, now: Date) {
        guard ttl > 0 else { return }
        entries.withLockedValue { entries in
            if entries.count >= limit { entries = entries.filter { $0.value.until > now } }
            if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            entries[digest] = (host, now.addingTimeInterval(ttl))
        }
    }

    /// Forgets every credential of `host` (this replica's own revocations take effect at once).
    func forget(host: String) {
        entries.withLockedValue { entries in entries = entries.filter { $0.value.host != host } }
    }
}
