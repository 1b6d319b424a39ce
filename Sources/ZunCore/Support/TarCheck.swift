/// Checks that bytes are a tar archive the API is willing to hand to the engine (`put_archive`): every
/// header's checksum is right, every entry fits in the data, and no entry is a hard link, a device or a FIFO
/// (the engine fails on hard links it cannot resolve with a 500, and a tenant has no business making device
/// nodes). Zun passes the data through unchecked.
public enum TarCheck {
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    public static func validate(_ bytes: [UInt8]) throws {
        var offset = 0
        var entries = 0
        while offset + 512 <= bytes.count {
            let header = bytes[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) { return }  // the end-of-archive blocks
            guard let stored = octal(header, 148, 8) else { throw Refusal(reason: "it is not a tar archive") }
            var sum = 0
            for (index, byte) in header.enumerated() { sum += (148..<156).contains(index) ? 32 : Int(byte) }
            guard sum == stored else { throw Refusal(reason: "it is not a tar archive (bad header checksum)") }
            let type = header[header.startIndex + 156]
            switch type {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"), UInt8(ascii: "2"), UInt8(ascii: "5"),
                 UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K"):
                break
            case UInt8(ascii: "1"): throw Refusal(reason: "it holds a hard link; archives may hold files, directories and symbolic links only")
            default: throw Refusal(reason: "it holds a device, FIFO or unknown entry; archives may hold files, directories and symbolic links only")
            }
            guard let size = octal(header, 124, 12), size >= 0 else { throw Refusal(reason: "it is not a tar archive (bad entry size)") }
            let blocks = (size + 511) / 512
            guard blocks <= (bytes.count - offset) / 512 else { throw Refusal(reason: "it is truncated") }
            offset += 512 * (1 + blocks)
            entries += 1
        }
        // Data that ends without the end-of-archive blocks is accepted when it held whole entries (as GNU tar
        // does); anything shorter than a header is not a tar.
        if entries == 0 { throw Refusal(reason: "it is not a tar archive") }
        if offset != bytes.count { throw Refusal(reason: "it is truncated") }
    }

    /// An octal field (NUL- or space-terminated), or nil when it holds anything else.
    private static func octal(_ header: ArraySlice<UInt8>, _ start: Int, _ length: Int) -> Int? {
        let field = header[(header.startIndex + start)..<(header.startIndex + start + length)]
        var value = 0
        var digits = 0
        for byte in field {
            if byte == 0 || byte == 32 {
                if digits > 0 { break } else { continue }
            }
            guard byte >= 48, byte <= 55, digits < 12 else { return nil }
            value = value * 8 + Int(byte - 48)
            digits += 1
        }
        return digits > 0 ? value : nil
    }
}
