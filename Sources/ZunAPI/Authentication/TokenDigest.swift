import Crypto
import Foundation

/// A token's SHA-256, in hex: what the token file stores and what the validation cache is keyed by, so that
/// neither a file nor a memory dump holds a usable token.
enum TokenDigest {
    static func sha256Hex(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The first characters of the digest, to tell tokens apart in logs without revealing one.
    static func fingerprint(_ token: String) -> String { String(sha256Hex(token).prefix(12)) }
}
