import Foundation

/// A compute host's inventory as its agent reports it (Zun's `compute_node`).
public struct ComputeNode: Codable, Sendable, Equatable {
    public var uuid: String
    public var hostname: String
    public var memTotal: Int
    public var memUsed: Int
    public var cpus: Int
    public var cpuUsed: Double
    public var diskTotal: Int
    public var diskUsed: Int
    public var diskQuotaSupported: Bool
    public var totalContainers: Int
    public var runningContainers: Int
    public var architecture: String?
    public var osType: String?
    public var os: String?
    public var kernelVersion: String?
    public var labels: [String: String]
    public var runtimes: [String]
    public var enableCPUPinning: Bool
    /// NUMA nodes with their cpusets (nil: not reported).
    public var numaTopology: [NUMANode]?
    /// Devices available for passthrough (nil: none reported).
    public var pciPools: [PciPool]?
    /// The host's own address on the network between hosts, which overlay networks' VXLAN packets travel
    /// (`zun compute --underlay-address`; nil: the host takes part in no overlay).
    public var underlayAddress: String?
    public var updatedAt: Date?

    public init(uuid: String, hostname: String) {
        self.uuid = uuid
        self.hostname = hostname
        self.memTotal = 0
        self.memUsed = 0
        self.cpus = 0
        self.cpuUsed = 0
        self.diskTotal = 0
        self.diskUsed = 0
        self.diskQuotaSupported = false
        self.totalContainers = 0
        self.runningContainers = 0
        self.labels = [:]
        self.runtimes = ["runc"]
        self.enableCPUPinning = false
    }
}

/// A running Zun service (`zun-compute`), with its heartbeat (Zun's `zun_service`).
public struct ZunService: Codable, Sendable, Equatable {
    public var id: Int64?
    public var host: String
    public var binary: String
    public var disabled: Bool
    public var disabledReason: String?
    public var forcedDown: Bool
    public var reportCount: Int
    public var lastSeenUp: Date?
    public var availabilityZone: String?
    /// URL of the agent's node-local endpoint (logs and other calls the API proxies), if it serves one.
    public var endpoint: String?
    public var createdAt: Date?
    public var updatedAt: Date?

    /// The `binary` of a compute agent's service record, as Zun names it.
    public static let computeBinary = "zun-compute"

    public init(host: String, binary: String = ZunService.computeBinary) {
        self.host = host
        self.binary = binary
        self.disabled = false
        self.forcedDown = false
        self.reportCount = 0
    }

    /// Zun's `service_is_up`: not forced down and heard from within `downAfter`.
    public func isUp(now: Date, downAfter: TimeInterval) -> Bool {
        if forcedDown { return false }
        guard let heartbeat = lastSeenUp ?? updatedAt ?? createdAt else { return false }
        return abs(now.timeIntervalSince(heartbeat)) <= downAfter
    }
}
