import Foundation
import Logging
import NIOCore

extension DockerClient {
    public func pauseContainer(_ id: String, logger: Logger) async throws {
        _ = try await send(.POST, "/containers/\(id)/pause", timeout: .seconds(30), logger: logger)
    }

    public func unpauseContainer(_ id: String, logger: Logger) async throws {
        _ = try await send(.POST, "/containers/\(id)/unpause", timeout: .seconds(30), logger: logger)
    }

    /// Sends `signal` (a name like `SIGTERM`/`TERM` or a number); nil means the engine's default, SIGKILL.
    public func killContainer(_ id: String, signal: String?, logger: Logger) async throws {
        let query = signal.map { [("signal", $0)] } ?? []
        _ = try await send(.POST, "/containers/\(id)/kill", query: query, timeout: .seconds(30), logger: logger)
    }

    /// Restarts, killing after `timeout` seconds.
    public func restartContainer(_ id: String, timeout: Int?, logger: Logger) async throws {
        let query = timeout.map { [("t", String($0))] } ?? []
        _ = try await send(
            .POST, "/containers/\(id)/restart", query: query, timeout: Self.graceDeadline(timeout), logger: logger
        )
    }

    /// Changes resource limits of a container in place (memory in bytes; cpu as a CFS quota per 100 ms).
    public func updateContainer(_ id: String, memoryBytes: Int64?, cpuQuota: Int?, logger: Logger) async throws {
        struct Update: Encodable {
            var Memory: Int64?
            var MemorySwap: Int64?
            var CpuPeriod: Int?
            var CpuQuota: Int?
        }
        // Swap as at create (Docker's default: memory plus as much swap). `-1` (unlimited) made runc write the
        // new memory limit before the swap limit on cgroup v1, and raising memory then failed with EINVAL.
        let body = Update(
            Memory: memoryBytes, MemorySwap: memoryBytes.map { bytes in
                let (doubled, overflow) = bytes.multipliedReportingOverflow(by: 2)
                return overflow ? .max : doubled
            },
            CpuPeriod: cpuQuota.map { _ in 100_000 }, CpuQuota: cpuQuota
        )
        struct Warnings: Decodable { var Warnings: [String]? }
        let _: Warnings = try await post("/containers/\(id)/update", json: body, timeout: .seconds(30), logger: logger)
    }

    /// Runs `command` in the container and waits for it: returns its combined output and exit code.
    public func exec(_ id: String, command: [String], timeout: Duration, logger: Logger) async throws -> (output: String, exitCode: Int?) {
        struct Create: Encodable {
            var Cmd: [String]
            var AttachStdout = true
            var AttachStderr = true
        }
        struct Created: Decodable { var Id: String }
        struct Start: Encodable {
            var Detach = false
            var Tty = false
        }
        struct Inspect: Decodable { var ExitCode: Int? }
        let created: Created = try await post("/containers/\(id)/exec", json: Create(Cmd: command), logger: logger)
        let body = ByteBuffer(bytes: try JSONEncoder().encode(Start()))
        let output = try await send(.POST, "/exec/\(created.Id)/start", body: body, timeout: timeout, logger: logger)
        let inspect: Inspect = try await get("/exec/\(created.Id)/json", logger: logger)
        return (Self.demultiplex(output.body), inspect.ExitCode)
    }

    /// A tar of `path` in the container, with the engine's stat of that path (base64 JSON header).
    public func getArchive(_ id: String, path: String, maxBytes: Int, logger: Logger) async throws -> (tar: ByteBuffer, stat: String?) {
        let response = try await send(
            .GET, "/containers/\(id)/archive", query: [("path", path)], timeout: .seconds(120), maxBodyBytes: maxBytes,
            logger: logger
        )
        return (response.body, response.headers["X-Docker-Container-Path-Stat"].first)
    }

    /// Extracts a tar into directory `path` of the container.
    public func putArchive(_ id: String, path: String, tar: ByteBuffer, logger: Logger) async throws {
        _ = try await send(
            .PUT, "/containers/\(id)/archive", query: [("path", path)], body: tar, contentType: "application/x-tar",
            timeout: .seconds(120), logger: logger
        )
    }

    /// Commits the container to `repository:tag` (pausing it meanwhile); returns the image id.
    public func commit(_ id: String, repository: String, tag: String, logger: Logger) async throws -> String {
        struct Committed: Decodable { var Id: String }
        struct Empty: Encodable {}
        let committed: Committed = try await post(
            "/commit", query: [("container", id), ("repo", repository), ("tag", tag), ("pause", "1")], json: Empty(),
            timeout: .seconds(300), logger: logger
        )
        return committed.Id
    }

    /// `ps` inside the container: `{"Titles": [...], "Processes": [[...]]}`.
    public func top(_ id: String, psArgs: String?, logger: Logger) async throws -> ContainerTop {
        try await get("/containers/\(id)/top", query: psArgs.map { [("ps_args", $0)] } ?? [], logger: logger)
    }

    /// One sample of the container's resource usage.
    public func stats(_ id: String, logger: Logger) async throws -> ContainerStats {
        try await get("/containers/\(id)/stats", query: [("stream", "false")], timeout: .seconds(30), logger: logger)
    }
}

/// The answer of `GET /containers/{id}/top`.
public struct ContainerTop: Codable, Sendable {
    public var titles: [String]
    public var processes: [[String]]

    enum CodingKeys: String, CodingKey {
        case titles = "Titles"
        case processes = "Processes"
    }

    public init(titles: [String], processes: [[String]]) {
        self.titles = titles
        self.processes = processes
    }

    /// The engine answers `"Processes": null` for a container with no process left (it exited between the
    /// state check and the call): that is an empty list, not a malformed answer.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        titles = try container.decodeIfPresent([String].self, forKey: .titles) ?? []
        processes = try container.decodeIfPresent([[String]].self, forKey: .processes) ?? []
    }
}

/// The parts of a one-shot `GET /containers/{id}/stats` that Zun's stats view uses.
public struct ContainerStats: Decodable, Sendable {
    public var name: String?
    public var cpuStats: CPUStats?
    public var memoryStats: MemoryStats?
    public var blkioStats: BlkioStats?
    public var networks: [String: NetworkStats]?

    public struct CPUStats: Decodable, Sendable {
        public var cpuUsage: CPUUsage?
        public var systemCPUUsage: UInt64?
        public var onlineCPUs: Int?

        public struct CPUUsage: Decodable, Sendable {
            public var totalUsage: UInt64?
            enum CodingKeys: String, CodingKey { case totalUsage = "total_usage" }
        }

        enum CodingKeys: String, CodingKey {
            case cpuUsage = "cpu_usage"
            case systemCPUUsage = "system_cpu_usage"
            case onlineCPUs = "online_cpus"
        }
    }

    public struct MemoryStats: Decodable, Sendable {
        public var usage: UInt64?
        public var limit: UInt64?
        public var stats: [String: UInt64]?
    }

    public struct BlkioStats: Decodable, Sendable {
        public var ioServiceBytesRecursive: [Entry]?

        public struct Entry: Decodable, Sendable {
            public var op: String
            public var value: UInt64
        }

        enum CodingKeys: String, CodingKey { case ioServiceBytesRecursive = "io_service_bytes_recursive" }
    }

    public struct NetworkStats: Decodable, Sendable {
        public var rxBytes: UInt64
        public var txBytes: UInt64
        enum CodingKeys: String, CodingKey {
            case rxBytes = "rx_bytes"
            case txBytes = "tx_bytes"
        }
    }

    enum CodingKeys: String, CodingKey {
        case name
        case cpuStats = "cpu_stats"
        case memoryStats = "memory_stats"
        case blkioStats = "blkio_stats"
        case networks
    }
}
