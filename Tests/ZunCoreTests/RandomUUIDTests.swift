import Foundation
import Testing
import ZunCore

struct RandomUUIDTests {
    @Test func uuidsAreVersion4InZunsLowercaseFormAndDoNotRepeat() {
        var seen = Set<String>()
        for _ in 0..<2_000 {
            let uuid = RandomUUID.make()
            #expect(uuid.count == 36)
            #expect(uuid == uuid.lowercased())
            let parsed = UUID(uuidString: uuid)
            #expect(parsed?.uuidString.lowercased() == uuid, "\(uuid) round-trips through Foundation")
            let bytes = parsed.map { withUnsafeBytes(of: $0.uuid) { Array($0) } } ?? []
            #expect(bytes.count == 16 && bytes[6] >> 4 == 4, "version 4: \(uuid)")
            #expect(bytes.count == 16 && bytes[8] >> 6 == 0b10, "RFC variant: \(uuid)")
            seen.insert(uuid)
        }
        #expect(seen.count == 2_000)
    }
}

struct TimeOrderedUUIDTests {
    /// Version 7: the creation time's milliseconds first, so uuids sort by it; the rest random.
    @Test func uuidsAreVersion7CarryTheirTimeAndSortByIt() {
        // Half a millisecond in: the milliseconds are exact despite a Double's rounding.
        func at(_ milliseconds: UInt64) -> Date { Date(timeIntervalSince1970: (Double(milliseconds) + 0.5) / 1000) }
        let start = at(1_796_000_000_123)
        var seen = Set<String>()
        var previous = ""
        for step in 0..<2_000 {
            let uuid = RandomUUID.timeOrdered(at: at(1_796_000_000_123 + UInt64(step)))
            #expect(uuid.count == 36 && uuid == uuid.lowercased())
            let parsed = UUID(uuidString: uuid)
            let bytes = parsed.map { withUnsafeBytes(of: $0.uuid) { Array($0) } } ?? []
            #expect(bytes.count == 16 && bytes[6] >> 4 == 7, "version 7: \(uuid)")
            #expect(bytes.count == 16 && bytes[8] >> 6 == 0b10, "RFC variant: \(uuid)")
            let milliseconds = bytes.prefix(6).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            #expect(milliseconds == 1_796_000_000_123 + UInt64(step), "the time in its first 48 bits: \(uuid)")
            #expect(uuid > previous, "a later millisecond sorts later")
            previous = uuid
            seen.insert(uuid)
        }
        #expect(seen.count == 2_000)
        // Within one millisecond the rest is random: no two alike.
        let sameInstant = Set((0..<1_000).map { _ in RandomUUID.timeOrdered(at: start) })
        #expect(sameInstant.count == 1_000)
        #expect(Set(sameInstant.map { $0.prefix(13) }).count == 1, "one time prefix")
    }
}
