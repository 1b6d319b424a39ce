import Foundation
import ZunCore

/// Validations already made, keyed by the token's SHA-256 and bounded in time and count.
///
/// A valid token is trusted until the earlier of its own expiry and the cache TTL; a token Keystone
/// refused is remembered as refused for the TTL too (a token never becomes valid later), so a flood of bad
/// tokens costs Keystone one call each per TTL. When full, expired entries go first, then the oldest.
struct TokenValidationCache: Sendable {
    enum Verdict: Sendable, Equatable {
        case valid(Identity)
        case refused
    }

    private struct Entry: Sendable {
        var verdict: Verdict
        var until: Date
        var stored: UInt64
    }

    let limit: Int
    private var entries: [String: Entry] = [:]
    private var counter: UInt64 = 0

    init(limit: Int) { self.limit = max(1, limit) }

    var count: Int { entries.count }

    func lookup(_ digest: String, now: Date) -> Verdict? {
        guard let entry = entries[digest], now < entry.until else { return nil }
        return entry.verdict
    }

    mutating func store(_ digest: String, _ verdict: Verdict, until: Date, now: Date) {
        guard until > now else { return }
        if entries[digest] == nil && entries.count >= limit {
            entries = entries.filter { $0.value.until > now }
            if entries.count >= limit {
                // Drop the oldest tenth at once, so a full cache does not sort on every insert.
                let oldest = entries.sorted { $0.value.stored < $1.value.stored }.prefix(max(1, limit / 10))
                for (key, _) in oldest { entries[key] = nil }
            }
        }
        counter += 1
        entries[digest] = Entry(verdict: verdict, until: until, stored: counter)
    }

    mutating func forget(_ digest: String) { entries[digest] = nil }
}
