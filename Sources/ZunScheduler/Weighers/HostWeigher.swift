/// Ranks hosts that passed every filter: the higher the weight, the better.
public protocol HostWeigher: Sendable {
    static var name: String { get }
    func weight(_ host: HostState, _ request: SchedulingRequest) -> Double
}

extension HostWeigher {
    public var name: String { Self.name }
}

/// Prefers the emptiest host: the mean of its free memory and free CPU fractions (Nova's spread default).
public struct SpreadWeigher: HostWeigher {
    public static let name = "SpreadWeigher"
    public init() {}

    public func weight(_ host: HostState, _ request: SchedulingRequest) -> Double {
        let freeRam = host.memTotal > 0 ? Double(host.memTotal - host.memUsed) / Double(host.memTotal) : 0
        let freeCPU = host.cpus > 0 ? (Double(host.cpus) - host.cpuUsed) / Double(host.cpus) : 0
        return (freeRam + freeCPU) / 2
    }
}

/// Prefers the fullest host that still fits, to keep whole hosts free (Nomad's binpack).
public struct BinpackWeigher: HostWeigher {
    public static let name = "BinpackWeigher"
    public init() {}

    public func weight(_ host: HostState, _ request: SchedulingRequest) -> Double {
        -SpreadWeigher().weight(host, request)
    }
}

/// Maps weigher names to weighers so the choice can be configuration.
public enum HostWeigherRegistry {
    public static let defaultWeigher = SpreadWeigher.name

    public static func weigher(named name: String) throws -> any HostWeigher {
        switch name {
        case SpreadWeigher.name, "spread": return SpreadWeigher()
        case BinpackWeigher.name, "binpack": return BinpackWeigher()
        default: throw SchedulerConfigurationError(message: "Weigher \(name) could not be found.")
        }
    }
}
