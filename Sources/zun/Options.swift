import ArgumentParser
import Foundation
import Logging
import ZunStore

/// Reads an environment variable.
func env(_ name: String) -> String? { ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 } }

/// Options every server role shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error (env ZUN_LOG_LEVEL).")
    var logLevel: String = env("ZUN_LOG_LEVEL") ?? "info"

    @Option(help: "Seconds without a heartbeat after which a compute host is down (env ZUN_SERVICE_DOWN_TIME).")
    var serviceDownTime: Double = env("ZUN_SERVICE_DOWN_TIME").flatMap(Double.init) ?? 15

    @Option(help: "Shared secret of agents' node-local endpoints (env ZUN_NODE_SECRET).")
    var nodeSecret: String? = env("ZUN_NODE_SECRET")

    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        return logger
    }
}

/// Splits `HOST:PORT` (IPv6 hosts may be bracketed).
func parseListen(_ value: String) throws -> (String, Int) {
    guard let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]) else {
        throw ValidationError("listen address must be HOST:PORT, got \(value)")
    }
    return (String(value[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
}

/// Parses `--database`.
func storeLocation(_ value: String) throws -> StoreLocation {
    do {
        return try StoreLocation(value)
    } catch {
        throw ValidationError("\(error)")
    }
}
