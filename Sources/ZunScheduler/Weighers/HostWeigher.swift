/// Ranks the hosts that passed the filters; the highest weight wins.
public protocol HostWeigher: Sendable {
    static var name: String { get }
    func weight(_ host: HostState, _ request: SchedulingRequest) -> Double
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
