import Foundation
import NIOConcurrencyHelpers
import Testing
import ZunAPI
import ZunCore
import ZunStore
import ZunTestSupport

/// Per-node credentials end to end on a SQLite store and a manual clock: enroll, exchange, rotate, revoke;
/// tokens are random, recognisable, and never stored.
struct NodeCredentialsTests {
    @Test func enrollExchangeRotateRevoke() async throws {
        try await TestSupport.withStore { store, path in
            let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000))
            let credentials = NodeCredentials(store: store, clock: clock)
            let bootstrap = try await credentials.enroll(host: "node-a")
            #expect(bootstrap.hasPrefix("zun_boot_") && bootstrap.count == 49)
            #expect(try await credentials.host(ofCredential: bootstrap) == nil)
            let exchanged = try #require(try await credentials.exchange(bootstrapToken: bootstrap))
            #expect(exchanged.host == "node-a" && exchanged.credential.hasPrefix("zun_node_"))
            #expect(try await credentials.exchange(bootstrapToken: bootstrap) == nil, "a bootstrap token works once")
            #expect(try await credentials.host(ofCredential: exchanged.credential) == "node-a")

            let rotated = try #require(try await credentials.rotate(credential: exchanged.credential))
            #expect(rotated != exchanged.credential)
            clock.advance(by: NodeCredentials.rotationGrace)
            #expect(try await credentials.host(ofCredential: exchanged.credential) == "node-a", "the old one works through its grace")
            clock.advance(by: 1)
            #expect(try await credentials.host(ofCredential: exchanged.credential) == nil)
            #expect(try await credentials.host(ofCredential: rotated) == "node-a")

            // Another host's bootstrap token does not last past its hour.
            let late = try await credentials.enroll(host: "node-b")
            clock.advance(by: NodeCredentials.bootstrapLifetime + 1)
            #expect(try await credentials.exchange(bootstrapToken: late) == nil)

            #expect(try await credentials.revoke(host: "node-a") >= 1)
            #expect(try await credentials.host(ofCredential: rotated) == nil)

            // Only digests reach the database file.
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
            for token in [bootstrap, exchanged.credential, rotated, late] {
                #expect(bytes.range(of: Data(token.utf8)) == nil)
            }
        }
    }

    /// A revocation made elsewhere (another replica, `zun node revoke`) reaches a process's cache within its TTL.
    @Test func aCachedCheckLastsItsTTLAndNoLonger() async throws {
        try await TestSupport.withStore { store, _ in
            let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000))
            let cached = NodeCredentials(store: store, clock: clock, cache: NodeCredentialCache(ttl: 5))
            let elsewhere = NodeCredentials(store: store, clock: clock)
            let credential = try #require(try await cached.exchange(bootstrapToken: try await cached.enroll(host: "node-a"))).credential
            #expect(try await cached.host(ofCredential: credential) == "node-a")
            try await elsewhere.revoke(host: "node-a")
            #expect(try await elsewhere.host(ofCredential: credential) == nil)
            #expect(try await cached.host(ofCredential: credential) == "node-a", "cached for its TTL")
            clock.advance(by: 5)
            #expect(try await cached.host(ofCredential: credential) == nil)
        }
    }

    /// The refresher's one read renews every cached credential still valid and drops a revoked one at once, so a
    /// replica under load reads no credential per request and a revocation still lands within the TTL.
    @Test func aRefreshRenewsValidEntriesAndDropsRevokedOnes() async throws {
        try await TestSupport.withStore { store, _ in
            let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000))
            let counting = CountingCredentialReads(base: store)
            let cached = NodeCredentials(store: counting, clock: clock, cache: NodeCredentialCache(ttl: 5))
            let a = try #require(try await cached.exchange(bootstrapToken: try await cached.enroll(host: "node-a"))).credential
            let b = try #require(try await cached.exchange(bootstrapToken: try await cached.enroll(host: "node-b"))).credential
            #expect(try await cached.host(ofCredential: a) == "node-a")
            #expect(try await cached.host(ofCredential: b) == "node-b")
            #expect(counting.reads.withLockedValue { $0 } == 2)

            try await NodeCredentials(store: store, clock: clock).revoke(host: "node-b")
            clock.advance(by: 4)
            try await cached.refreshCache()
            #expect(try await cached.host(ofCredential: b) == nil, "revoked elsewhere: gone at the refresh, before its TTL")
            clock.advance(by: 4)
            #expect(try await cached.host(ofCredential: a) == "node-a")
            #expect(counting.reads.withLockedValue { $0 } == 3, "node-a's check 8 s after its first came from the refreshed entry; node-b's missed")
        }
    }

    @Test func hostNamesAreChecked() async throws {
        try await TestSupport.withStore { store, _ in
            let credentials = NodeCredentials(store: store)
            for bad in ["", "a b", "node/1", "nœud", String(repeating: "a", count: 256)] {
                await #expect(throws: ZunError.self, "\(bad)") { _ = try await credentials.enroll(host: bad) }
            }
            #expect(NodeCredentials.isValidHost("node-1.example_a"))
        }
    }
}

/// The store, counting the single-credential reads that a cache is there to spare.
struct CountingCredentialReads: NodeCredentialRecords {
    let base: any NodeCredentialRecords
    let reads = NIOLockedValueBox(0)

    func saveBootstrapToken(digest: String, host: String, expiresAt: Date, now: Date) async throws {
        try await base.saveBootstrapToken(digest: digest, host: host, expiresAt: expiresAt, now: now)
    }
    func exchangeBootstrapToken(digest: String, credentialDigest: String, now: Date) async throws -> String? {
        try await base.exchangeBootstrapToken(digest: digest, credentialDigest: credentialDigest, now: now)
    }
    func nodeCredentialHost(digest: String, now: Date) async throws -> String? {
        reads.withLockedValue { $0 += 1 }
        return try await base.nodeCredentialHost(digest: digest, now: now)
    }
    func validNodeCredentials(now: Date) async throws -> [ValidNodeCredential] { try await base.validNodeCredentials(now: now) }
    func rotateNodeCredential(digest: String, newDigest: String, graceUntil: Date, now: Date) async throws -> String? {
        try await base.rotateNodeCredential(digest: digest, newDigest: newDigest, graceUntil: graceUntil, now: now)
    }
    func revokeNodeCredentials(host: String) async throws -> Int { try await base.revokeNodeCredentials(host: host) }
}
