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
    /// The host pins dedicated containers to CPUs (Zun's `enable_cpu_pinning`).
    public var enableCPUPinning: Bool
    public var numaNodes: [NUMANode]
    public var pciPools: [PciPool]

    public init(
        hostname: String, nodeUUID: String = UUID().uuidString.lowercased(), cpus: Int = 4, cpuUsed: Double = 0,
        memTotal: Int = 8192, memUsed: Int = 0, diskTotal: Int = 100, diskUsed: Int = 0,
        diskQuotaSupported: Bool = false, runtimes: [String] = ["runc"], labels: [String: String] = [:],
        availabilityZone: String = "nova", serviceUp: Bool = true, serviceDisabled: Bool = false,
        totalContainers: Int = 0, enableCPUPinning: Bool = false, numaNodes: [NUMANode] = [], pciPools: [PciPool] = []
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
        self.enableCPUPinning = enableCPUPinning
        self.numaNodes = numaNodes
        self.pciPools = pciPools
    }

    /// Adds a placed request to the usage, as Zun's `consume_from_request` does.
    public mutating func consume(_ request: SchedulingRequest) {
        cpuUsed += request.cpu
        memUsed += request.memoryMB
        diskUsed += request.diskGB ?? 0
        totalContainers += 1
        if request.cpuPolicy == "dedicated", let index = CpuSetFilter.fittingNode(self, request) {
            // Pin the lowest free CPUs of the first node that fits, as the compute claim would.
            let pinned = numaNodes[index].freeCPUs.sorted().prefix(Int(request.cpu.rounded(.up)))
            numaNodes[index].pinnedCPUs.formUnion(pinned)
            numaNodes[index].memAvailable -= request.memoryMB
        }
        for pci in request.pciRequests {
            if let index = pciPools.firstIndex(where: { $0.vendorID == pci.vendorID && $0.productID == pci.productID }) {
                pciPools[index].count -= pci.count
            }
        }
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
            serviceDisabled: service?.disabled ?? true, totalContainers: usage?.containers ?? 0,
            enableCPUPinning: node.enableCPUPinning, numaNodes: node.numaTopology ?? [], pciPools: node.pciPools ?? []
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
    /// Zun's scheduler hints: `label:<k>` = v, `same_host` / `different_host` = container uuids (comma-separated).
    public var hints: [String: String]
    /// `dedicated` or `shared` (nil: shared).
    public var cpuPolicy: String?
    public var pciRequests: [PciRequest]
    /// Hosts of the containers named by the `same_host` hint (nil: no such hint), resolved by the caller.
    public var sameHostAs: Set<String>?
    /// Hosts of the containers named by the `different_host` hint.
    public var differentHostFrom: Set<String>

    public init(
        cpu: Double, memoryMB: Int, diskGB: Int? = nil, runtime: String? = nil, availabilityZone: String? = nil,
        requestedHost: String? = nil, hints: [String: String] = [:], cpuPolicy: String? = nil,
        pciRequests: [PciRequest] = [], sameHostAs: Set<String>? = nil, differentHostFrom: Set<String> = []
    ) {
        self.cpuPolicy = cpuPolicy
        self.pciRequests = pciRequests
        self.sameHostAs = sameHostAs
        self.differentHostFrom = differentHostFrom
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
