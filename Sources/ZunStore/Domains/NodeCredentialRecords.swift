import Foundation

/// Per-node credentials of compute hosts (docs/node-protocol.md, "Per-node identity"), stored as SHA-256
/// digests only: a one-time bootstrap token an admin makes for a host, which the host exchanges for its own
/// credential on first contact; rotation with a grace period; revocation of every credential of a host.
public protocol NodeCredentialRecords: Sendable {
    /// Records a bootstrap token of `host` that expires at `expiresAt`.
    func saveBootstrapToken(digest: String, host: String, expiresAt: Date, now: Date) async throws

    /// Takes the bootstrap token (once: a second exchange finds nothing) and records the host's new
    /// credential in the same transaction. Returns the host, or nil for an unknown, used or expired token.
    func exchangeBootstrapToken(digest: String, credentialDigest: String, now: Date) async throws -> String?

    /// The host a node credential belongs to, or nil when it is unknown, revoked or past its grace period.
    func nodeCredentialHost(digest: String, now: Date) async throws -> String?

    /// Every node credential valid at `now`, with the host it belongs to and the end of its grace period (nil:
    /// no end). One read for a whole cache of checked credentials (`NodeCredentialCache`).
    func validNodeCredentials(now: Date) async throws -> [ValidNodeCredential]

    /// Replaces a valid credential by a new one of the same host; the old one keeps working until
    /// `graceUntil`. Returns the host, or nil when the current credential is not valid.
    func rotateNodeCredential(digest: String, newDigest: String, graceUntil: Date, now: Date) async throws -> String?

    /// Revokes every credential and bootstrap token of `host`; returns how many there were.
    @discardableResult
    func revokeNodeCredentials(host: String) async throws -> Int
}

/// A node credential that is valid: its digest, its host and, once rotated, the end of its grace period.
public struct ValidNodeCredential: Sendable, Equatable {
    public var digest: String
    public var host: String
    public var expiresAt: Date?

    public init(digest: String, host: String, expiresAt: Date?) {
        self.digest = digest
        self.host = host
        self.expiresAt = expiresAt
    }
}
