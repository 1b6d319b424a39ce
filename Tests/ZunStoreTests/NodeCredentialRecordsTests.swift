import Foundation
import Testing
import ZunStore
import ZunTestSupport

/// `NodeCredentialRecords` on both databases: a bootstrap token is taken once, credentials end when rotated
/// past their grace or revoked, and only digests are kept.
struct NodeCredentialRecordsTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    static func digest(_ n: Int) -> String { String(format: "%064x", n) }

    @Test(arguments: TestSupport.Backend.allCases)
    func aBootstrapTokenIsExchangedOnceBeforeItExpires(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            try await store.saveBootstrapToken(digest: Self.digest(1), host: "node-a", expiresAt: now.addingTimeInterval(3600), now: now)
            try await store.saveBootstrapToken(digest: Self.digest(2), host: "node-b", expiresAt: now.addingTimeInterval(3600), now: now)
            #expect(try await store.nodeCredentialHost(digest: Self.digest(1), now: now) == nil, "a bootstrap token is not a credential")
            #expect(try await store.exchangeBootstrapToken(digest: Self.digest(1), credentialDigest: Self.digest(10), now: now) == "node-a")
            #expect(try await store.exchangeBootstrapToken(digest: Self.digest(1), credentialDigest: Self.digest(11), now: now) == nil)
            #expect(try await store.nodeCredentialHost(digest: Self.digest(10), now: now) == "node-a")
            #expect(try await store.nodeCredentialHost(digest: Self.digest(11), now: now) == nil)
            // An hour and a second later node-b's token is gone.
            #expect(try await store.exchangeBootstrapToken(digest: Self.digest(2), credentialDigest: Self.digest(12), now: now.addingTimeInterval(3601)) == nil)
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func concurrentExchangesOfOneTokenMakeOneCredential(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            try await store.saveBootstrapToken(digest: Self.digest(1), host: "node-a", expiresAt: now.addingTimeInterval(3600), now: now)
            let winners = try await withThrowingTaskGroup(of: String?.self) { group in
                for i in 0..<20 {
                    group.addTask { try await store.exchangeBootstrapToken(digest: Self.digest(1), credentialDigest: Self.digest(100 + i), now: now) }
                }
                return try await group.reduce(into: [String]()) { if let host = $1 { $0.append(host) } }
            }
            #expect(winners == ["node-a"])
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func aRotatedCredentialWorksUntilItsGraceEndsAndRevocationEndsAll(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            try await store.saveBootstrapToken(digest: Self.digest(1), host: "node-a", expiresAt: now.addingTimeInterval(3600), now: now)
            _ = try await store.exchangeBootstrapToken(digest: Self.digest(1), credentialDigest: Self.digest(10), now: now)
            #expect(try await store.rotateNodeCredential(digest: Self.digest(10), newDigest: Self.digest(20), graceUntil: now.addingTimeInterval(600), now: now) == "node-a")
            // Rotating the old one again neither extends it nor fails to give a new one while it is valid.
            #expect(try await store.rotateNodeCredential(digest: Self.digest(10), newDigest: Self.digest(21), graceUntil: now.addingTimeInterval(900), now: now.addingTimeInterval(60)) == "node-a")
            #expect(try await store.nodeCredentialHost(digest: Self.digest(10), now: now.addingTimeInterval(600)) == "node-a")
            #expect(try await store.nodeCredentialHost(digest: Self.digest(10), now: now.addingTimeInterval(601)) == nil)
            #expect(try await store.rotateNodeCredential(digest: Self.digest(10), newDigest: Self.digest(22), graceUntil: now.addingTimeInterval(2000), now: now.addingTimeInterval(601)) == nil)
            #expect(try await store.nodeCredentialHost(digest: Self.digest(20), now: now.addingTimeInterval(10_000)) == "node-a")
            #expect(try await store.rotateNodeCredential(digest: Self.digest(99), newDigest: Self.digest(23), graceUntil: now, now: now) == nil)
            #expect(try await store.revokeNodeCredentials(host: "node-a") == 3)
            for n in [10, 20, 21] {
                #expect(try await store.nodeCredentialHost(digest: Self.digest(n), now: now) == nil)
            }
            #expect(try await store.revokeNodeCredentials(host: "node-a") == 0)
        }
    }
}
