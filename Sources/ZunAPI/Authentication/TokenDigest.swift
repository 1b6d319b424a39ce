import Crypto
import Foundation

/// A token's SHA-256, in hex: what the token file stores and what the validation cache is keyed by, so that
/// neither a file nor a memory dump holds a usable token.
enum TokenDigest {
    static func sha256Hex(_ token: String) -> String {
        // Hex by table: `String(format:)` per byte cost more than the hash itself (a third of a cached
        // request's time under load).
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(token.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// The first characters of the digest, to tell tokens apart in logs without revealing one.
    static func fingerprint(_ token: String) -> String { String(sha256Hex(token).prefix(12)) }
}

/// Random bearer secrets: a prefix naming what the secret is and 40 base62 characters (238 bits). The prefix
/// lets secret scanners, and the test run's log check, recognise one.
public enum SecretToken {
    public static func generate(prefix: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return prefix + String((0..<40).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}
