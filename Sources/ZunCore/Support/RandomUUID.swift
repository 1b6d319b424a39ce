import Foundation

/// UUIDs in Zun's lowercase form, for record uuids and request ids. Foundation's `UUID()` opens and reads
/// `/dev/urandom` on every call on Linux, which was about 5 % of a small request's CPU (BENCHMARKS.md,
/// "Node-protocol heartbeats of 5,000 hosts"); `SystemRandomNumberGenerator` asks the kernel with `getrandom`
/// and is as unpredictable.
public enum RandomUUID {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A random (version 4) uuid such as `3f2b8c1e-5d4a-4e6f-9a0b-1c2d3e4f5a6b`.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        // RFC 9562 section 5.4: version 4 in the high nibble of byte 6, variant 10 in the top bits of byte 8.
        let high = (generator.next() as UInt64) & ~0xF000 | 0x4000
        return format(high: high, low: randomLow(&generator))
    }

    /// A time-ordered (version 7) uuid: the creation time in milliseconds, then 74 random bits (RFC 9562 section
    /// 5.7). For the records created on every request (containers, their ports): uuids of records created
    /// together sort together, so each index on a uuid column takes new entries on its last pages, not on a
    /// random page each. On SQLite every page a commit changes is written to the WAL and copied back at the
    /// next checkpoint, and random uuids made most of a create's pages (BENCHMARKS.md, "sixth pass"). The time
    /// is already public (`created_at`); 74 random bits keep the uuid unguessable.
    public static func timeOrdered(at date: Date) -> String {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down))) & 0xFFFF_FFFF_FFFF
        let high = milliseconds << 16 | 0x7000 | (generator.next() as UInt64) & 0x0FFF
        return format(high: high, low: randomLow(&generator))
    }

    /// The low 64 bits: random, with the RFC variant (10) in their top two bits.
    private static func randomLow(_ generator: inout SystemRandomNumberGenerator) -> UInt64 {
        (generator.next() as UInt64) & ~(0xC0 << 56) | (0x80 << 56)
    }

    private static func format(high: UInt64, low: UInt64) -> String {
        var text = [UInt8]()
        text.reserveCapacity(36)
        for (index, half) in [high, low].enumerated() {
            for byte in 0..<8 {
                let position = index * 8 + byte
                if position == 4 || position == 6 || position == 8 || position == 10 { text.append(UInt8(ascii: "-")) }
                let value = UInt8(truncatingIfNeeded: half >> (56 - 8 * UInt64(byte)))
                text.append(hexDigits[Int(value >> 4)])
                text.append(hexDigits[Int(value & 0x0F)])
            }
        }
        return String(decoding: text, as: UTF8.self)
    }
}
