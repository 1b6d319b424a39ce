import Foundation
import Testing
import ZunCore

struct ZunTimestampTests {
    /// What `Calendar` renders, the reference the arithmetic must match.
    static func reference(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let micros = Int((date.timeIntervalSince1970 * 1_000_000).rounded(.down)) % 1_000_000
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%06d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!, micros)
    }

    @Test func matchesTheCalendarOverTwoCenturies() {
        var seed: UInt64 = 7
        for _ in 0..<20_000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let micros = Int64(seed >> 11) % (200 * 365 * 86_400 * 1_000_000)
            let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
            #expect(ZunTimestamp.spaced(date) == Self.reference(date))
        }
        for day in ["1970-01-01 00:00:00.000000", "2000-02-29 23:59:59.999999", "2100-03-01 00:00:00.000000"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSSSSS"
            let date = formatter.date(from: day)!
            #expect(ZunTimestamp.spaced(date) == Self.reference(date))
        }
    }
}
