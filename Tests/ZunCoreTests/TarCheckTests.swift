import Testing
import ZunCore

struct TarCheckTests {
    /// One tar header block for `name` of `type` and `size`, with a correct checksum.
    static func header(_ name: String, type: Character = "0", size: Int = 0) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        for (i, byte) in name.utf8.enumerated() { block[i] = byte }
        func put(_ text: String, at offset: Int) { for (i, byte) in text.utf8.enumerated() { block[offset + i] = byte } }
        put("0000644", at: 100)
        func octal(_ value: Int, _ width: Int) -> String {
            let digits = String(value, radix: 8)
            return String(repeating: "0", count: width - digits.count) + digits
        }
        put(octal(size, 11), at: 124)
        put("00000000000", at: 136)
        block[156] = type.asciiValue!
        put("ustar", at: 257)
        for i in 148..<156 { block[i] = 32 }
        let sum = block.reduce(0) { $0 + Int($1) }
        put(octal(sum, 6), at: 148)
        block[154] = 0
        return block
    }

    static func archive(_ entries: [[UInt8]]) -> [UInt8] { entries.flatMap { $0 } + [UInt8](repeating: 0, count: 1024) }

    @Test func acceptsFilesDirectoriesAndSymlinks() throws {
        let file = Self.header("a.txt", size: 3) + [UInt8]("hi\n".utf8) + [UInt8](repeating: 0, count: 509)
        try TarCheck.validate(Self.archive([Self.header("dir/", type: "5"), file, Self.header("link", type: "2")]))
    }

    @Test func refusesHardLinksDevicesAndFifos() {
        for type: Character in ["1", "3", "4", "6"] {
            #expect(throws: TarCheck.Refusal.self) { try TarCheck.validate(Self.archive([Self.header("x", type: type)])) }
        }
    }

    @Test func refusesWhatIsNotATar() {
        #expect(throws: TarCheck.Refusal.self) { try TarCheck.validate([UInt8]("hello, not a tar".utf8)) }
        #expect(throws: TarCheck.Refusal.self) { try TarCheck.validate([UInt8](repeating: 65, count: 2048)) }
        #expect(throws: TarCheck.Refusal.self) { try TarCheck.validate([]) }
        var corrupt = Self.header("a")
        corrupt[0] = UInt8(ascii: "b")
        #expect(throws: TarCheck.Refusal.self) { try TarCheck.validate(Self.archive([corrupt])) }
    }

    @Test func refusesAnEntryLargerThanTheData() {
        #expect(throws: TarCheck.Refusal.self) { try TarCheck.validate(Self.header("a", size: 4096) + [1, 2, 3]) }
    }
}
