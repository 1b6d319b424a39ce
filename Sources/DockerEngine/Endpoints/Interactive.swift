import Logging
import NIOCore

/// Interactive sessions: exec instances with a TTY, attach, and terminal resizes.
extension DockerClient {
    /// Creates an exec instance with stdin, stdout, stderr and a TTY attached; returns its id.
    public func createInteractiveExec(_ id: String, command: [String], logger: Logger) async throws -> String {
        struct Create: Encodable {
            var Cmd: [String]
            var AttachStdin = true
            var AttachStdout = true
            var AttachStderr = true
            var Tty = true
        }
        struct Created: Decodable { var Id: String }
        let created: Created = try await post("/containers/\(id)/exec", json: Create(Cmd: command), logger: logger)
        return created.Id
    }

    /// Which container an exec instance belongs to, and whether it is running.
    public func inspectExec(_ execID: String, logger: Logger) async throws -> (containerID: String, running: Bool, exitCode: Int?) {
        struct Inspect: Decodable {
            var ContainerID: String
            var Running: Bool
            var ExitCode: Int?
        }
        let inspect: Inspect = try await get("/exec/\(execID)/json", logger: logger)
        return (inspect.ContainerID, inspect.Running, inspect.ExitCode)
    }

    /// Starts an exec instance and runs `body` on its stdio.
    public func withExecStream<Result: Sendable>(
        _ execID: String, logger: Logger,
        _ body: (inout StreamOutput, StreamInput) async throws -> Result
    ) async throws -> Result {
        try await withHijackedStream("/exec/\(execID)/start", json: ["Detach": false, "Tty": true], logger: logger, body)
    }

    /// Attaches to a container's stdio (no logs replay) and runs `body` on it.
    public func withAttachStream<Result: Sendable>(
        _ id: String, logger: Logger,
        _ body: (inout StreamOutput, StreamInput) async throws -> Result
    ) async throws -> Result {
        let query = [("stream", "1"), ("stdin", "1"), ("stdout", "1"), ("stderr", "1")]
        return try await withHijackedStream("/containers/\(id)/attach", query: query, json: [String: String](), logger: logger, body)
    }

    /// Resizes an exec instance's TTY.
    public func resizeExec(_ execID: String, height: Int, width: Int, logger: Logger) async throws {
        _ = try await send(.POST, "/exec/\(execID)/resize", query: [("h", String(height)), ("w", String(width))], timeout: .seconds(30), logger: logger)
    }

    /// Resizes a container's TTY.
    public func resizeContainerTTY(_ id: String, height: Int, width: Int, logger: Logger) async throws {
        _ = try await send(.POST, "/containers/\(id)/resize", query: [("h", String(height)), ("w", String(width))], timeout: .seconds(30), logger: logger)
    }
}
