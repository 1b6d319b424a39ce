import DockerEngine
import Foundation
import ZunCore

/// Turns Docker's container state into Zun's status and status detail (Zun's `_populate_container_state`,
/// docs/zun-compatibility.md, "Statuses"). Pure: time comes in as `now`.
public enum DockerStateMapper {
    public struct Result: Equatable, Sendable {
        public var status: ContainerStatus
        public var detail: String?
        public var reason: String?
        /// The engine made the container but never started it: the status then follows the record's
        /// (`ContainerStatus.neverStarted(current:)`).
        public var neverStarted = false
    }

    public static func map(_ state: ContainerInspect.State?, current: ContainerStatus, now: Date) -> Result {
        guard let state else {
            return Result(status: .unknown, detail: nil, reason: "container state is missing")
        }
        let dockerStatus = state.status ?? ""
        if let error = state.error, !error.isEmpty {
            let status: ContainerStatus
            if dockerStatus == "exited" || dockerStatus == "removing" {
                status = .stopped
            } else if dockerStatus == "created" {
                // The engine made the container but could not start it: that is a failure, not `Created`.
                status = .error
            } else {
                status = ContainerStatus(rawValue: dockerStatus.capitalized) ?? .unknown
            }
            return Result(status: status, detail: "Exited(\(state.exitCode ?? 0)) \(age(state.finishedAt, now)) ago (error)", reason: error)
        }
        if state.paused == true {
            return Result(status: .paused, detail: "Up \(age(state.startedAt, now)) (paused)")
        }
        if state.restarting == true {
            return Result(status: .restarting, detail: "Restarting")
        }
        if state.running == true {
            return Result(status: .running, detail: "Up \(age(state.startedAt, now))")
        }
        if state.dead == true {
            return Result(status: .dead, detail: "Dead")
        }
        let started = parse(state.startedAt)
        let finished = parse(state.finishedAt)
        if started == nil {
            let status = ContainerStatus.neverStarted(current: current)
            return Result(status: status, detail: status.neverStartedDetail, neverStarted: true)
        }
        if finished == nil {
            return Result(status: .unknown, detail: nil, reason: "unexpected container state")
        }
        return Result(status: .stopped, detail: "Exited(\(state.exitCode ?? 0)) \(age(state.finishedAt, now)) ago ")
    }

    /// The largest non-zero unit of `now − timestamp`: `N days`, `N hours`, `N mins`, `N seconds`.
    static func age(_ timestamp: String?, _ now: Date) -> String {
        guard let date = parse(timestamp) else { return "0 seconds" }
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        if seconds >= 86_400 { return "\(seconds / 86_400) days" }
        if seconds >= 3_600 { return "\(seconds / 3_600) hours" }
        if seconds >= 60 { return "\(seconds / 60) mins" }
        return "\(seconds) seconds"
    }

    /// Parses Docker's RFC 3339 timestamps; the zero time (`0001-01-01T00:00:00Z`) and garbage give nil.
    static func parse(_ timestamp: String?) -> Date? {
        guard let timestamp, timestamp.count >= 19, !timestamp.hasPrefix("0001-") else { return nil }
        let chars = Array(timestamp)
        func number(_ range: Range<Int>) -> Int? { Int(String(chars[range])) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var fraction = 0.0
        if chars.count > 20, chars[19] == "." {
            let digits = chars[20...].prefix { $0.isNumber }
            fraction = Double("0." + String(digits)) ?? 0
        }
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        return calendar.date(from: components).map { $0.addingTimeInterval(fraction) }
    }
}
