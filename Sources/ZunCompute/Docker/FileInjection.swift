import Foundation
import NIOCore

/// Zun's file injection (`mounts` with `type=bind`) without a shared filesystem between agent and engine: the
/// decoded file is written into the container through the engine's archive endpoint before the container
/// starts. The engine creates missing parent directories while unpacking.
enum FileInjection {
    /// A tar archive (POSIX ustar) holding one regular file at `path` (absolute; stored relative to `/`).
    static func tar(path: String, contents: [UInt8], mode: Int = 0o644, modified: Date = Date()) throws -> ByteBuffer {
        let name = String(path.drop { $0 == "/" })
        var (prefix, base) = ("", name)
        if name.utf8.count > 100 {
            guard let cut = name.lastIndex(of: "/") else { throw InjectionError("file name too long: \(path)") }
            prefix = String(name[..<cut])
            base = String(name[name.index(after: cut)...])
        }
        guard base.utf8.count <= 100, prefix.utf8.count <= 155 else { throw InjectionError("path too long: \(path)") }

        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (i, byte) in text.utf8.prefix(width).enumerated() { header[offset + i] = byte }
        }
        func octal(_ value: Int, width: Int) -> String {
            let digits = String(value, radix: 8)
            return String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
        }
        put(base, at: 0, width: 100)
        put(octal(mode, width: 8), at: 100, width: 7)
        put(octal(0, width: 8), at: 108, width: 7)
        put(octal(0, width: 8), at: 116, width: 7)
        put(octal(contents.count, width: 12), at: 124, width: 11)
        put(octal(Int(modified.timeIntervalSince1970), width: 12), at: 136, width: 11)
        put("        ", at: 148, width: 8)  // checksum field counts as spaces while summing
        header[156] = UInt8(ascii: "0")
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        put(prefix, at: 345, width: 155)
        let checksum = header.reduce(0) { $0 + Int($1) }
        put(octal(checksum, width: 7) + "\0 ", at: 148, width: 8)

        var buffer = ByteBuffer()
        buffer.writeBytes(header)
        buffer.writeBytes(contents)
        let padding = (512 - contents.count % 512) % 512
        buffer.writeRepeatingByte(0, count: padding + 1024)  // the file's last block, then two empty blocks
        return buffer
    }
}

struct InjectionError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
