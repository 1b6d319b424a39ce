import Foundation
import NIOConcurrencyHelpers
import ZunCore
import ZunStore

/// Node credentials already checked, by digest. 5,000 hosts heartbeating every 3 s would otherwise read the
/// database on every request (it was most of the API's CPU for heartbeats, BENCHMARKS.md). An entry lasts
/// `ttl` from its last check, so a revocation made elsewhere (another replica, `zun node revoke`) or the end of a
/// rotation's grace takes effect within `ttl`. `NodeCredentialCacheRefresher` re-checks every entry at once in
/// one read, well within `ttl`, so that a busy replica reads no credential per request at all.
public final class NodeCredentialCache: Sendable {
    public let ttl: TimeInterval
    let limit: Int
    private let state = NIOLockedValueBox(State())

    private struct State {
        var entries: [String: (host: String, until: Date)] = [:]
        /// Whether a request looked something up since the last refresh (an idle replica reads nothing).
        var used = false
    }

    public init(ttl: TimeInterval = 5, limit: Int = 50_000) {
        self.ttl = ttl
        self.limit = limit
    }

    func host(digest: String, now: Date) -> String? {
        state.withLockedValue { state in
            state.used = true
            guard let entry = state.entries[digest], now < entry.until else { return nil }
            return entry.host
        }
    }

    func store(digest: String, host: String, now: Date, expiresAt: Date? = nil) {
        guard ttl > 0 else { return }
        state.withLockedValue { state in
            if state.entries.count >= limit { state.entries = state.entries.filter { $0.value.until > now } }
            if state.entries.count >= limit { state.entries.removeAll(keepingCapacity: true) }
            state.entries[digest] = (host, min(now.addingTimeInterval(ttl), expiresAt ?? .distantFuture))
        }
    }

    /// Re-checks every entry against `valid` (every valid credential, read at `now`): an entry still valid lasts
    /// another `ttl` (never past its grace), the others are gone.
    func refresh(valid: [ValidNodeCredential], now: Date) {
        let byDigest = Dictionary(valid.map { ($0.digest, $0) }, uniquingKeysWith: { first, _ in first })
        state.withLockedValue { state in
            state.used = false
            for (digest, entry) in state.entries {
                if let credential = byDigest[digest], credential.host == entry.host {
                    state.entries[digest] = (entry.host, min(now.addingTimeInterval(ttl), credential.expiresAt ?? .distantFuture))
                } else {
                    state.entries[digest] = nil
                }
            }
        }
    }

    /// Whether requests looked credentials up since the last refresh.
    var wasUsed: Bool { state.withLockedValue { $0.used } }

    /// Forgets every credential of `host` (this replica's own revocations take effect at once).
    func forget(host: String) {
        state.withLockedValue { state in state.entries = state.entries.filter { $0.value.host != host } }
    }
}
