import Foundation
import ZunCore

/// What the scheduler knows about one compute host: inventory, usage, liveness and placement facts.
public struct HostState: Sendable, Equatable {
    public var hostname: String
    public var nodeUUID: String
    public var cpus: Int
    public var cpuUsed: Double
    /// Megabytes.
    public var memTotal: Int
    public var memUsed: Int
    /// Gigabytes.
    public var diskTotal: Int
    public var diskUsed: Int
    public var diskQuotaSupported: Bool
    public var runtimes: [String]
    public var labels: [String: String]
    public var availabilityZone: String
    /// The compute service is heartbeating and not forced down.
    public var serviceUp: Bool
    public var serviceDisabled: Bool
    public var totalContainers: Int

    public init(
        hostname: String, nodeUUID: String = UUID().uuidString.lowercased(), cpus: Int = 4, cpuUsed: Double = 0,
        memTotal: Int = 8192, memUsed: Int = 0, diskTotal: Int = 100, diskUsed: Int = 0,
        diskQuotaSupported: Bool = false, runtimes: [String] = ["runc"], labels: [String: String] = [:],
        availabilityZone: String = "nova", serviceUp: Bool = true, serviceDisabled: Bool = false,
        totalContainers: Int = 0
    ) {
        self.hostname = hostname
        self.nodeUUID = nodeUUID
        self.cpus = cpus
        self.cpuUsed = cpuUsed
        self.memTotal = memTotal
        self.memUsed = memUsed
        self.diskTotal = diskTotal
        self.diskUsed = diskUsed
        self.diskQuotaSupported = diskQuotaSupported
        self.runtimes = runtimes
        self.labels = labels
        self.availabilityZone = availabilityZone
        self.serviceUp = serviceUp
        self.serviceDisabled = serviceDisabled
        self.totalContainers = totalContainers
    }

    /// Adds a placed request to the usage, as Zun's `consume_from_request` does.
    public mutating func consume(_ request: SchedulingRequest) {
        cpuUsed += request.cpu
        memUsed += request.memoryMB
        diskUsed += request.diskGB ?? 0
        totalContainers += 1
    }
}

extension HostState {
    /// Builds the state of a host from its node record, its service and the usage held by containers.
    public init(
        node: ComputeNode, service: ZunService?, usage: HostUsage?, now: Date, serviceDownTime: TimeInterval,
        defaultAvailabilityZone: String
    ) {
        self.init(
            hostname: node.hostname, nodeUUID: node.uuid, cpus: node.cpus, cpuUsed: usage?.cpu ?? 0,
            memTotal: node.memTotal, memUsed: usage?.memoryMB ?? 0, diskTotal: node.diskTotal,
            diskUsed: usage?.diskGB ?? 0, diskQuotaSupported: node.diskQuotaSupported,
            runtimes: node.runtimes.isEmpty ? ["runc"] : node.runtimes, labels: node.labels,
            availabilityZone: service?.availabilityZone.flatMap { $0.isEmpty ? nil : $0 } ?? defaultAvailabilityZone,
            serviceUp: service?.isUp(now: now, downAfter: serviceDownTime) ?? false,
            serviceDisabled: service?.disabled ?? true, totalContainers: usage?.containers ?? 0
        )
    }
}

/// What a container needs from a host.
public struct SchedulingRequest: Sendable, Equatable {
    public var cpu: Double
    public var memoryMB: Int
    public var diskGB: Int?
    public var runtime: String?
    public var availabilityZone: String?
    public var requestedHost: String?
    public var hints: [String: String]

    public init(
        cpu: Double, memoryMB: Int, diskGB: Int? = nil, runtime: String? = nil, availabilityZone: String? = nil,
        requestedHost: String? = nil, hints: [String: String] = [:]
    ) {
        self.cpu = cpu
        self.memoryMB = memoryMB
        self.diskGB = diskGB
        self.runtime = runtime
        self.availabilityZone = availabilityZone
        self.requestedHost = requestedHost
        self.hints = hints
    }
}

/// Capacity multipliers for the CPU, RAM and disk filters (Zun's `*_allocation_ratio`).
public struct AllocationRatios: Sendable, Equatable {
    public var cpu: Double
    public var ram: Double
    public var disk: Double

    public init(cpu: Double = 16.0, ram: Double = 1.5, disk: Double = 1.0) {
        self.cpu = cpu
        self.ram = ram
        self.disk = disk
    }
}
