import Foundation
import Logging
import NIOCore

extension DockerClient {
    /// Creates a container named `name`; returns its id.
    public func createContainer(name: String, config: ContainerConfig, logger: Logger) async throws -> String {
        struct Created: Decodable {
            var id: String
            enum CodingKeys: String, CodingKey { case id = "Id" }
        }
        let created: Created = try await post("/containers/create", query: [("name", name)], json: config, logger: logger)
        return created.id
    }

    /// Inspects a container by id or name; nil when it does not exist.
    public func inspectContainer(_ id: String, logger: Logger) async throws -> ContainerInspect? {
        try await getIfPresent("/containers/\(id)/json", logger: logger)
    }

    /// Starts a container; starting a running one is not an error (the engine answers 304).
    public func startContainer(_ id: String, logger: Logger) async throws {
        _ = try await send(.POST, "/containers/\(id)/start", timeout: .seconds(60), logger: logger)
    }

    /// Stops a container, killing it after `timeout` seconds; stopping a stopped one is not an error.
    public func stopContainer(_ id: String, timeout: Int?, logger: Logger) async throws {
        let query = timeout.map { [("t", String($0))] } ?? []
        _ = try await send(
            .POST, "/containers/\(id)/stop", query: query, timeout: Self.graceDeadline(timeout), logger: logger
        )
    }

    /// Removes a container; a missing one is not an error.
    public func removeContainer(_ id: String, force: Bool, logger: Logger) async throws {
        try await deleteIfPresent("/containers/\(id)", query: [("force", force ? "1" : "0"), ("v", "1")], logger: logger)
    }

    /// Lists containers, including stopped ones, that carry the label `label`.
    public func listContainers(withLabel label: String, logger: Logger) async throws -> [ContainerSummary] {
        let filters = "{\"label\":[\"\(label)\"]}"
        return try await get("/containers/json", query: [("all", "1"), ("filters", filters)], logger: logger)
    }

    /// Reads a container's logs. A non-TTY container's stream is multiplexed; it is split here.
    public func containerLogs(
        _ id: String, stdout: Bool, stderr: Bool, timestamps: Bool, tail: Int?, since: Int?, tty: Bool, logger: Logger
    ) async throws -> String {
        var query = [
            ("stdout", stdout ? "1" : "0"), ("stderr", stderr ? "1" : "0"), ("timestamps", timestamps ? "1" : "0"),
            ("tail", tail.map(String.init) ?? "all"),
        ]
        if let since { query.append(("since", String(since))) }
        let response = try await send(.GET, "/containers/\(id)/logs", query: query, timeout: .seconds(60), logger: logger)
        return tty ? String(buffer: response.body) : Self.demultiplex(response.body)
    }

    /// Joins the payloads of Docker's stream frames: 1 byte stream, 3 zero bytes, 4 bytes big-endian length.
    static func demultiplex(_ buffer: ByteBuffer) -> String {
        var buffer = buffer
        var output = ByteBuffer()
        while buffer.readableBytes >= 8 {
            guard let header = buffer.readBytes(length: 8) else { break }
            let length = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
            guard var frame = buffer.readSlice(length: min(length, buffer.readableBytes)) else { break }
            output.writeBuffer(&frame)
        }
        return String(buffer: output)
    }
}
