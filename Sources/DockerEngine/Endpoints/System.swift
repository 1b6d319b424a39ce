import Logging

/// `GET /version`.
public struct SystemVersion: Decodable, Sendable {
    public var version: String
    public var apiVersion: String

    enum CodingKeys: String, CodingKey {
        case version = "Version"
        case apiVersion = "ApiVersion"
    }
}

/// The parts of `GET /info` a compute node reports.
public struct SystemInfo: Decodable, Sendable {
    public var ncpu: Int
    public var memTotal: Int64
    public var operatingSystem: String?
    public var osType: String?
    public var kernelVersion: String?
    public var architecture: String?
    public var runtimes: [String: RuntimeInfo]?
    public var dockerRootDir: String?
    public var driver: String?
    public var containers: Int?
    public var containersRunning: Int?
    public var name: String?
    public var labels: [String]?

    public struct RuntimeInfo: Decodable, Sendable {
        public init() {}
    }

    enum CodingKeys: String, CodingKey {
        case ncpu = "NCPU"
        case memTotal = "MemTotal"
        case operatingSystem = "OperatingSystem"
        case osType = "OSType"
        case kernelVersion = "KernelVersion"
        case architecture = "Architecture"
        case runtimes = "Runtimes"
        case dockerRootDir = "DockerRootDir"
        case driver = "Driver"
        case containers = "Containers"
        case containersRunning = "ContainersRunning"
        case name = "Name"
        case labels = "Labels"
    }
}

extension DockerClient {
    public func version(logger: Logger) async throws -> SystemVersion {
        try await get("/version", logger: logger)
    }

    public func info(logger: Logger) async throws -> SystemInfo {
        try await get("/info", logger: logger)
    }
}
