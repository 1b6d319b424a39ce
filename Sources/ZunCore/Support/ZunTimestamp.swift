import Foundation

/// Zun's two timestamp renderings (reference §2.0.5), always in UTC with microseconds.
public enum ZunTimestamp {
    /// `YYYY-MM-DD HH:MM:SS.ffffff` (containers, hosts).
    public static func spaced(_ date: Date) -> String { render(date, separator: " ") }

    /// `YYYY-MM-DDTHH:MM:SS.ffffff` (actions, events, services).
    public static func iso(_ date: Date) -> String { render(date, separator: "T") }

    private static func render(_ date: Date, separator: String) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let micros = Int((date.timeIntervalSince1970 * 1_000_000).rounded(.down)) % 1_000_000
        func pad(_ v: Int?, _ width: Int) -> String {
            let s = String(v ?? 0)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))\(separator)"
            + "\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2)).\(pad(micros, 6))"
    }
}
