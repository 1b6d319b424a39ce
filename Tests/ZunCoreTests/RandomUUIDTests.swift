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
