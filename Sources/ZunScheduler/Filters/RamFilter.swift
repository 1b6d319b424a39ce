/// Passes hosts with enough unclaimed memory: `mem_total × ratio − mem_used ≥ memory` (MB).
public struct RamFilter: HostFilter {
    public static let name = "RamFilter"
    public var allocationRatio: Double
    public init(allocationRatio: Double = 1.5) { self.allocationRatio = allocationRatio }

    public func passes(_ host: HostState, _ request: SchedulingRequest) -> Bool {
        guard request.memoryMB > 0 else { return true }
        return Double(host.memTotal) * allocationRatio - Double(host.memUsed) >= Double(request.memoryMB)
    }
}
