import ZunCore

/// Zun's CpuSetFilter. `dedicated` needs a pinning host with a NUMA node holding enough free CPUs and
/// memory; `shared` (or none) passes unless this scheduler itself is configured for pinning.
public struct CpuSetFilter: HostFilter {
    public static let name = "CpuSetFilter"
    /// The scheduler's own `[compute] enable_cpu_pinning`.
    public var schedulerEnablesCPUPinning: Bool
    public init(schedulerEnablesCPUPinning: Bool = false) { self.schedulerEnablesCPUPinning = schedulerEnablesCPUPinning }

    public func passes(_ host: HostState, _ request: SchedulingRequest) -> Bool {
        guard request.cpuPolicy == "dedicated" else { return !schedulerEnablesCPUPinning }
        return Self.fittingNode(host, request) != nil
    }

    /// Index of the first NUMA node that can take the dedicated request.
    static func fittingNode(_ host: HostState, _ request: SchedulingRequest) -> Int? {
        guard host.enableCPUPinning else { return nil }
        let cpus = Int(request.cpu.rounded(.up))
        return host.numaNodes.firstIndex { $0.freeCPUs.count >= cpus && $0.memAvailable >= request.memoryMB }
    }
}
