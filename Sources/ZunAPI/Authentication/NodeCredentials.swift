import Foundation
import ZunCore
import ZunStore

/// Per-node identity of compute hosts (docs/node-protocol.md, "Per-node identity"): an admin enrolls a host and
/// gets a one-time bootstrap token; the host exchanges it on first contact for its own credential; the host
/// rotates that credential without restarting (the old one works for a grace period); an admin revokes every
/// credential of a host at once. Tokens are made here and only their SHA-256 is stored.
public struct NodeCredentials: Sendable {
    /// How long a bootstrap token may wait for its host.
    public static let bootstrapLifetime: TimeInterval = 3600
    /// How long a rotated credential keeps working, so requests already sent with it still succeed.
    public static let rotationGrace: TimeInterval = 600

    let store: any NodeCredentialRecords
    let clock: any WallClock
    /// Checks already made, shared by the API process's requests (none: every check reads the store).
    let cache: NodeCredentialCache?

    public init(store: any NodeCredentialRecords, clock: any WallClock = SystemWallClock(), cache: NodeCredentialCache? = nil) {
        self.store = store
        self.clock = clock
        self.cache = cache
    }

    /// A host name as compute services use it: letters, digits, `.`, `_`, `-`, at most 255 bytes.
    public static func isValidHost(_ host: String) -> Bool {
        !host.isEmpty && host.utf8.count <= 255
            && host.unicodeScalars.allSatisfy { ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || ".-_".unicodeScalars.contains($0) }
    }

    /// A new bootstrap token of `host` (`zun_boot_…`), shown once.
    public func enroll(host: String) async throws -> String {
        guard Self.isValidHost(host) else { throw ZunError.invalidValue("Invalid host name \(host).") }
        let token = SecretToken.generate(prefix: "zun_boot_")
        let now = clock.now
        try await store.saveBootstrapToken(
            digest: TokenDigest.sha256Hex(token), host: host, expiresAt: now.addingTimeInterval(Self.bootstrapLifetime), now: now
        )
        return token
    }

    /// The host's own credential (`zun_node_…`) for a bootstrap token, once; nil for an unknown, used or
    /// expired token.
    public func exchange(bootstrapToken: String) async throws -> (host: String, credential: String)? {
        let credential = SecretToken.generate(prefix: "zun_node_")
        guard let host = try await store.exchangeBootstrapToken(
            digest: TokenDigest.sha256Hex(bootstrapToken), credentialDigest: TokenDigest.sha256Hex(credential), now: clock.now
        ) else { return nil }
        return (host, credential)
    }

    /// The host a credential belongs to; nil when it is unknown, revoked or past its grace period.
    public func host(ofCredential credential: String) async throws -> String? {
        let digest = TokenDigest.sha256Hex(credential)
        let now = clock.now
        if let host = cache?.host(digest: digest, now: now) { return host }
        guard let host = try await store.nodeCredentialHost(digest: digest, now: now) else { return nil }
        cache?.store(digest: digest, host: host, now: now)
        return host
    }

    /// Re-checks every cached credential in one read (`NodeCredentialCacheRefresher`).
    public func refreshCache() async throws {
        guard let cache else { return }
        let now = clock.now
        cache.refresh(valid: try await store.validNodeCredentials(now: now), now: now)
    }

    /// A new credential for the holder of a valid one; the old one works for `rotationGrace` more.
    public func rotate(credential: String) async throws -> String? {
        let next = SecretToken.generate(prefix: "zun_node_")
        let now = clock.now
        guard try await store.rotateNodeCredential(
            digest: TokenDigest.sha256Hex(credential), newDigest: TokenDigest.sha256Hex(next),
            graceUntil: now.addingTimeInterval(Self.rotationGrace), now: now
        ) != nil else { return nil }
        return next
    }

    /// Revokes every credential and bootstrap token of `host`.
    @discardableResult
    public func revoke(host: String) async throws -> Int {
        defer { cache?.forget(host: host) }
        return try await store.revokeNodeCredentials(host: host)
    }
}
