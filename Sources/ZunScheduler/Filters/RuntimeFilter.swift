/// Passes hosts that offer the requested container runtime (`runc` when the engine reports none).
public struct RuntimeFilter: HostFilter {
    public static let name = "RuntimeFilter"
    public init() {}

    public func passes(_ host: HostState, _ request: SchedulingRequest) -> Bool {
        guard let runtime = request.runtime else { return true }
        return host.runtimes.contains(runtime)
    }
}
