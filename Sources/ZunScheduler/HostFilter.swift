/// One feasibility rule: does this host fit this request? Pure, so it can be tested with a table.
public protocol HostFilter: Sendable {
    /// Zun's filter name, as written in `[scheduler] enabled_filters`.
    static var name: String { get }
    func passes(_ host: HostState, _ request: SchedulingRequest) -> Bool
}

extension HostFilter {
    public var name: String { Self.name }
}

/// Maps Zun's filter names to filters so the enabled set can be configuration.
public enum HostFilterRegistry {
    /// Filters enabled by default. Zun enables only the first three and leaves capacity to Placement;
    /// we have no Placement, so capacity filters are on too (docs/zun-compatibility.md, "Scheduling").
    /// The `same_host` / `different_host` hints are API features, so their filters are on too.
    public static let defaultEnabled = [
        "AvailabilityZoneFilter", "ComputeFilter", "RuntimeFilter", "CPUFilter", "RamFilter", "DiskFilter",
        "SameHostFilter", "DifferentHostFilter",
    ]

    /// Every filter this scheduler has (Zun's `available_filters`).
    public static let all = defaultEnabled + ["CpuSetFilter", "LabelFilter", "PciPassthroughFilter"]

    /// Builds the named filters in order.
    /// - Throws: `SchedulerConfigurationError` for an unknown name.
    public static func filters(named names: [String], ratios: AllocationRatios = AllocationRatios()) throws
        -> [any HostFilter]
    {
        try names.map { name in
            switch name {
            case AvailabilityZoneFilter.name: return AvailabilityZoneFilter()
            case ComputeFilter.name: return ComputeFilter()
            case RuntimeFilter.name: return RuntimeFilter()
            case CPUFilter.name: return CPUFilter(allocationRatio: ratios.cpu)
            case RamFilter.name: return RamFilter(allocationRatio: ratios.ram)
            case DiskFilter.name: return DiskFilter(allocationRatio: ratios.disk)
            case CpuSetFilter.name: return CpuSetFilter()
            case LabelFilter.name: return LabelFilter()
            case PciPassthroughFilter.name: return PciPassthroughFilter()
            case SameHostFilter.name: return SameHostFilter()
            case DifferentHostFilter.name: return DifferentHostFilter()
            default: throw SchedulerConfigurationError(message: "Filter \(name) could not be found.")
            }
        }
    }
}

public struct SchedulerConfigurationError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
