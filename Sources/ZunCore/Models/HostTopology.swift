/// One NUMA node of a compute host, for `cpu_policy=dedicated` (Zun's `numa_topology`).
public struct NUMANode: Codable, Sendable, Equatable, Hashable {
    public var id: Int
    /// Physical CPUs of the node.
    public var cpuset: Set<Int>
    /// CPUs already pinned to dedicated containers.
    public var pinnedCPUs: Set<Int>
    /// Megabytes still available on the node.
    public var memAvailable: Int

    public init(id: Int, cpuset: Set<Int>, pinnedCPUs: Set<Int> = [], memAvailable: Int) {
        self.id = id
        self.cpuset = cpuset
        self.pinnedCPUs = pinnedCPUs
        self.memAvailable = memAvailable
    }

    public var freeCPUs: Set<Int> { cpuset.subtracting(pinnedCPUs) }
}

/// A pool of identical PCI devices a host can pass through (Zun's PCI stats).
public struct PciPool: Codable, Sendable, Equatable, Hashable {
    public var vendorID: String
    public var productID: String
    public var count: Int

    public init(vendorID: String, productID: String, count: Int) {
        self.vendorID = vendorID
        self.productID = productID
        self.count = count
    }
}

/// A container's request for `count` devices of one kind.
public struct PciRequest: Codable, Sendable, Equatable, Hashable {
    public var vendorID: String
    public var productID: String
    public var count: Int

    public init(vendorID: String, productID: String, count: Int = 1) {
        self.vendorID = vendorID
        self.productID = productID
        self.count = count
    }
}
