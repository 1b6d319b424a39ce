/// Passes hosts with enough unclaimed vCPUs: `cpus × ratio − cpu_used ≥ cpu`.
public struct CPUFilter: HostFilter {
    public static let name = "CPUFilter"
    public var allocationRatio: Double
    public init(allocationRatio: Double = 16.0) { self.allocationRatio = allocationRatio }

    public func passes(_ host: HostState, _ request: SchedulingRequest) -> Bool {
        guard request.cpu > 0 else { return true }
        return Double(host.cpus) * allocationRatio - host.cpuUsed >= request.cpu - 1e-9
    }
}
