import Foundation
import Testing
@testable import ZunAPI
import ZunCore

/// The Keystone validation cache: bounded in time (its TTL, or the token's expiry if sooner) and in count.
struct TokenValidationCacheTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let alice = Identity(userID: "alice", projectID: "alpha", roles: ["member"])

    @Test func entriesLastUntilTheirEndAndNoLonger() {
        var cache = TokenValidationCache(limit: 10)
        cache.store("a", .valid(alice), until: now.addingTimeInterval(300), now: now)
        cache.store("r", .refused, until: now.addingTimeInterval(300), now: now)
        #expect(cache.lookup("a", now: now.addingTimeInterval(299)) == .valid(alice))
        #expect(cache.lookup("r", now: now.addingTimeInterval(299)) == .refused)
        #expect(cache.lookup("a", now: now.addingTimeInterval(300)) == nil)
        #expect(cache.lookup("missing", now: now) == nil)
        // An end already past (a TTL of 0) stores nothing.
        cache.store("z", .valid(alice), until: now, now: now)
        #expect(cache.lookup("z", now: now) == nil)
    }

    @Test func aFullCacheDropsExpiredThenOldestEntries() {
        var cache = TokenValidationCache(limit: 20)
        for index in 0..<10 { cache.store("old\(index)", .refused, until: now.addingTimeInterval(10), now: now) }
        for index in 0..<10 { cache.store("live\(index)", .refused, until: now.addingTimeInterval(600), now: now) }
        #expect(cache.count == 20)
        let later = now.addingTimeInterval(60)
        cache.store("new", .valid(alice), until: later.addingTimeInterval(600), now: later)
        #expect(cache.count == 11)
        for index in 0..<10 { cache.store("more\(index)", .refused, until: later.addingTimeInterval(600), now: later) }
        #expect(cache.count <= 20)
        cache.store("last", .refused, until: later.addingTimeInterval(600), now: later)
        #expect(cache.count <= 20)
        #expect(cache.lookup("last", now: later) == .refused)
        // The oldest went first.
        #expect(cache.lookup("live0", now: later) == nil)
        #expect(cache.lookup("more9", now: later) == .refused)
    }
}
