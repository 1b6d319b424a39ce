/// Resources held on one host.
public struct HostUsage: Sendable, Equatable {
    public var cpu: Double = 0
    public var memoryMB: Int = 0
    public var diskGB: Int = 0
    public var containers: Int = 0

    public init(cpu: Double = 0, memoryMB: Int = 0, diskGB: Int = 0, containers: Int = 0) {
        self.cpu = cpu
        self.memoryMB = memoryMB
        self.diskGB = diskGB
        self.containers = containers
    }
}

