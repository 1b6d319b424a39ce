/// Percentiles and rates of a set of latencies.
struct LatencySummary: CustomStringConvertible {
    let count: Int
    let p50: Duration
    let p99: Duration
    let max: Duration

    init(_ samples: [Duration]) {
        let sorted = samples.sorted()
        count = sorted.count
        func at(_ q: Double) -> Duration { sorted.isEmpty ? .zero : sorted[Swift.min(sorted.count - 1, Int(Double(sorted.count) * q))] }
        p50 = at(0.50)
        p99 = at(0.99)
        max = sorted.last ?? .zero
    }

    var description: String { "p50 \(Self.format(p50)), p99 \(Self.format(p99)), max \(Self.format(max))" }

    static func format(_ d: Duration) -> String {
        let seconds = d.seconds
        if seconds < 1e-3 { return String(format: "%.1f µs", seconds * 1e6) }
        if seconds < 1 { return String(format: "%.2f ms", seconds * 1e3) }
        return String(format: "%.2f s", seconds)
    }
}

import Foundation

/// Left-aligns `text` in a column of `width`.
func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

/// Prints a line at once (unbuffered), so figures appear as they are measured, also into a pipe.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
