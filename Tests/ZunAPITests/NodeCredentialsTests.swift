import Foundation
import Testing
import ZunAPI
import ZunCore
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
