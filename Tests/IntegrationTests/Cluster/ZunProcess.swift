import Foundation
import Testing
import ZunTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A `zun` role running as a real child process, with its output in a log file.
final class ZunProcess: @unchecked Sendable {
    let name: String
    let arguments: [String]
    let environment: [String: String]
    let logPath: String
    /// A command `zun` runs under (`nsenter --net=…` for an agent on a namespace host); it must exec `zun`, so
    /// that the process's id is `zun`'s.
    let launcher: [String]
    private var process: Process?

    init(name: String, arguments: [String], environment: [String: String], logDirectory: String, launcher: [String] = []) {
        self.name = name
        self.launcher = launcher
        self.arguments = arguments
        self.environment = environment
        self.logPath = "\(logDirectory)/\(name).log"
    }

    /// The `zun` binary built by `swift build` (./scripts/test exports its path).
    static func binary() throws -> String {
        let path = ProcessInfo.processInfo.environment["ZUN_TEST_BINARY"] ?? FileManager.default.currentDirectoryPath + "/.build/debug/zun"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw MissingEnvironment("no zun binary at \(path): run ./scripts/test (it builds it and sets ZUN_TEST_BINARY)")
        }
        return path
    }

    func start() throws {
        let process = Process()
        if let command = launcher.first {
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = Array(launcher.dropFirst()) + [try Self.binary()] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: try Self.binary())
            process.arguments = arguments
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
    }

    /// The running process's id.
    var pid: Int32? { process?.processIdentifier }

    /// `kill -9`: no graceful shutdown, nothing flushed.
    func killHard() {
        guard let process, isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        waitForExit(timeout: 10)
    }

    func stop() {
        guard let process, isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if !waitForExit(timeout: 10) { killHard() }
    }

    /// Foundation's `Process.waitUntilExit`/`isRunning` can miss a child's exit on Linux (seen here: a hang
    /// with the child a zombie), so exits are observed with `waitpid` directly.
    var isRunning: Bool {
        guard let process else { return false }
        return Self.isRunning(pid: process.processIdentifier)
    }

    static func isRunning(pid: Int32) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    @discardableResult
    func waitForExit(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning {
            if Date() > deadline { return false }
            usleep(20_000)
        }
        return true
    }

    func logTail(_ lines: Int = 30) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}

/// A free TCP port on 127.0.0.1, found by binding port 0.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw MissingEnvironment("could not find a free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
