import Testing
import ZunCore
import ZunTestSupport

struct TarCheckTests {
    @Test func acceptsFilesDirectoriesAndSymlinks() throws {
        let file = TestTar.entry("a.txt", contents: [UInt8]("hi\n".utf8))
        try TarCheck.validate(TestTar.archive([TestTar.entry("dir/", type: "5"), file, TestTar.entry("link", type: "2")]))
    }

    @Test func refusesHardLinksDevicesAndFifos() {
        for type: Character in ["1", "3", "4", "6"] {
            #expect(throws: TarCheck.Refusal.self) { try TarCheck.validate(TestTar.archive([TestTar.entry("x", type: type)])) }
        }
    }

    @Test func refusesWhatIsNotATar() {
        #expect(throws: TarCheck.Refusal.self) { try TarCheck.validate([UInt8]("hello, not a tar".utf8)) }
        #expect(throws: TarCheck.Refusal.self) { try TarCheck.validate([UInt8](repeating: 65, count: 2048)) }
        #expect(throws: TarCheck.Refusal.self) { try TarCheck.validate([]) }
        var corrupt = TestTar.entry("a")
        corrupt[0] = UInt8(ascii: "b")
        #expect(throws: TarCheck.Refusal.self) { try TarCheck.validate(TestTar.archive([corrupt])) }
    }

    @Test func refusesAnEntryLargerThanTheData() {
        #expect(throws: TarCheck.Refusal.self) { try TarCheck.validate(TestTar.entry("a", size: 4096) + [1, 2, 3]) }
    }
}
