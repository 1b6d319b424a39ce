/// Random (version 4) UUIDs in Zun's lowercase form, for record uuids and request ids. Foundation's `UUID()`
/// opens and reads `/dev/urandom` on every call on Linux, which was about 5 % of a small request's CPU
/// (BENCHMARKS.md, "Node-protocol heartbeats of 5,000 hosts"); `SystemRandomNumberGenerator` asks the kernel
/// with `getrandom` and is as unpredictable.
public enum RandomUUID {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A new uuid such as `3f2b8c1e-5d4a-4e6f-9a0b-1c2d3e4f5a6b`.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        // RFC 9562 section 5.4: version 4 in the high nibble of byte 6, variant 10 in the top bits of byte 8.
        let high = (generator.next() as UInt64) & ~0xF000 | 0x4000
        let low = (generator.next() as UInt64) & ~(0xC0 << 56) | (0x80 << 56)
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
