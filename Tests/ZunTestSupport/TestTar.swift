import Foundation

/// Tar archives built by hand for tests (ustar headers with correct checksums).
public enum TestTar {
    /// One entry: its 512-byte header, then `contents` padded to a whole block.
    public static func entry(_ name: String, type: Character = "0", contents: [UInt8] = [], size: Int? = nil) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) { for (i, byte) in text.utf8.enumerated() { header[offset + i] = byte } }
        func octal(_ value: Int, _ width: Int) -> String {
            let digits = String(value, radix: 8)
            return String(repeating: "0", count: width - digits.count) + digits
        }
        put(name, at: 0)
        put("0000644", at: 100)
        put("0000000", at: 108)
        put("0000000", at: 116)
        put(octal(size ?? contents.count, 11), at: 124)
        put("00000000000", at: 136)
        header[156] = type.asciiValue!
        put("ustar", at: 257)
        for i in 148..<156 { header[i] = 32 }
        put(octal(header.reduce(0) { $0 + Int($1) }, 6), at: 148)
        header[154] = 0
        let padding = (512 - contents.count % 512) % 512
        return header + contents + [UInt8](repeating: 0, count: padding)
    }

    /// Entries followed by the two end-of-archive blocks.
    public static func archive(_ entries: [[UInt8]]) -> [UInt8] { entries.flatMap { $0 } + [UInt8](repeating: 0, count: 1024) }

    /// A one-file archive.
    public static func make(name: String, contents: [UInt8]) -> Data { Data(archive([entry(name, contents: contents)])) }
}
