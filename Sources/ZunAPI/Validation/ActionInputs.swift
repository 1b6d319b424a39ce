import Foundation
import ZunCore

/// Checks of the query parameters of container actions, each a 400 naming the parameter.
enum ActionInputs {
    /// `ps_args` go to the engine's `ps` as arguments: letters, digits, spaces and `,=_-` only, 256 bytes at most.
    static func checkPSArgs(_ value: String) throws {
        let allowed = value.utf8.count <= 256 && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || " ,=_-".contains($0)) }
        guard allowed else {
            throw ZunError.invalidValue("Invalid input for query parameters 'ps_args': use letters, digits, spaces and ',=_-' only, at most 256 bytes.")
        }
    }

    /// `ps_args` of `top`, nil when none was given (python-zunclient sends `ps_args=None`).
    static func psArgs(_ params: ActionParameters) throws -> String? {
        let psArgs = params.values["ps_args"].flatMap { $0 == "None" || $0.isEmpty ? nil : $0 }
        if let psArgs { try checkPSArgs(psArgs) }
        return psArgs
    }

    /// The `path` of get_archive / put_archive: required, no NUL, at most 4096 bytes (Linux's PATH_MAX).
    static func archivePath(_ params: ActionParameters) throws -> String {
        guard let path = params.values["path"], !path.isEmpty else { throw ZunError.schemaValidation("'path' is a required property") }
        guard !path.contains("\u{0}"), path.utf8.count <= 4096 else {
            throw ZunError.invalidValue("Invalid input for query parameters 'path': it must hold no NUL byte and be at most 4096 bytes long.")
        }
        return path
    }

    /// The `data` of put_archive as base64 of a tar the engine will take (raw latin-1 text below 1.25).
    static func archiveData(_ params: ActionParameters, version: APIVersion) throws -> String {
        guard let data = params.values["data"] else { throw ZunError.schemaValidation("'data' is a required property") }
        let tar: Data
        if version >= APIVersion(1, 25) {
            guard let decoded = Data(base64Encoded: data) else {
                throw ZunError(.invalidInput, code: "base64-exception", message: "Failed to decode the archive data: invalid base64.")
            }
            tar = decoded
        } else {
            tar = Data(data.utf8)
        }
        do {
            try TarCheck.validate([UInt8](tar))
        } catch let refusal as TarCheck.Refusal {
            throw ZunError.invalidValue("Invalid input for field 'data': \(refusal.reason).")
        }
        return version >= APIVersion(1, 25) ? data : tar.base64EncodedString()
    }

    /// Zun accepts `SIGKILL`, `KILL`, `sigkill`, `kill`, `9`, or nothing/`None` for the default.
    static func signal(_ value: String?) throws -> String? {
        guard let value, value != "None", !value.isEmpty else { return nil }
        if let number = Int(value), (1...64).contains(number) { return String(number) }
        let name = value.uppercased().hasPrefix("SIG") ? String(value.uppercased().dropFirst(3)) : value.uppercased()
        guard signalNames.contains(name) else {
            throw ZunError.schemaValidation(
                "Invalid input for query parameters 'signal'. Value: '\(value)'. It is not a signal name (SIGKILL, KILL) or number (1-64)."
            )
        }
        return "SIG" + name
    }

    static let signalNames: Set<String> = [
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
        "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF",
        "WINCH", "IO", "PWR", "SYS",
    ]

    /// `since` of logs: unix seconds or `YYYY-MM-DD HH:MM:SS,fff` (UTC).
    static func parseSince(_ value: String) throws -> Int {
        if let seconds = Int(value), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd HH:mm:ss,SSS", "yyyy-MM-dd HH:mm:ss"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) { return Int(date.timeIntervalSince1970) }
        }
        throw ZunError.invalidValue("Invalid since: \(value). Use a unix timestamp or 'YYYY-MM-DD HH:MM:SS,fff'.")
    }

    /// `h` and `w` of a TTY resize: positive integers, both required.
    static func terminalSize(_ params: ActionParameters) throws -> (Int, Int) {
        func positive(_ name: String) throws -> Int {
            guard let text = params.values[name] else { throw ZunError.schemaValidation("'\(name)' is a required property") }
            guard let value = Int(text), value > 0, value <= 10_000 else {
                throw ZunError.invalidValue("Invalid \(name) '\(text)': must be a positive integer.")
            }
            return value
        }
        return (try positive("h"), try positive("w"))
    }

    /// The task parameters of a lifecycle operation (`ContainerOperation.TaskParameter`), checked.
    static func payload(
        _ parameters: [ContainerOperation.TaskParameter], _ params: ActionParameters, requestID: String
    ) throws -> ComputeTask.Payload {
        try params.requireOnly(Set(parameters.map(\.rawValue)))
        var payload = ComputeTask.Payload(requestID: requestID)
        for parameter in parameters {
            switch parameter {
            case .timeout: payload.timeout = try params.nonNegativeInt("timeout", maximum: RequestBounds.stopTimeout)
            case .signal: payload.signal = try signal(params.values["signal"])
            }
        }
        return payload
    }
}
