import Foundation

/// Zun's two timestamp renderings (Zun's API reference: UTC with microseconds, no zone suffix).
///
/// Rendered with integer arithmetic (days to civil date after Howard Hinnant's `civil_from_days`): every
/// container in a list shows three of these, and `Calendar` made them a tenth of the list's CPU.
public enum ZunTimestamp {
    /// `YYYY-MM-DD HH:MM:SS.ffffff` (containers, hosts).
    public static func spaced(_ date: Date) -> String { render(date, separator: " ") }

    /// `YYYY-MM-DDTHH:MM:SS.ffffff` (actions, events, services).
    public static func iso(_ date: Date) -> String { render(date, separator: "T") }

    private static func render(_ date: Date, separator: Character) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
        let seconds = floorDivide(micros, 1_000_000)
        let fraction = micros - seconds * 1_000_000
        let days = floorDivide(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        var text = ""
        text.reserveCapacity(26)
        append(year, width: 4, to: &text)
        text.append("-")
        append(month, width: 2, to: &text)
        text.append("-")
        append(day, width: 2, to: &text)
        text.append(separator)
        append(secondOfDay / 3600, width: 2, to: &text)
        text.append(":")
        append(secondOfDay % 3600 / 60, width: 2, to: &text)
        text.append(":")
        append(secondOfDay % 60, width: 2, to: &text)
        text.append(".")
        append(fraction, width: 6, to: &text)
        return text
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// Year, month and day of the proleptic Gregorian calendar for days since 1970-01-01.
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func append(_ value: Int64, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.count < width { text.append(String(repeating: "0", count: width - digits.count)) }
        text.append(digits)
    }
}
