/// Passes hosts whose compute service is up and enabled.
public struct ComputeFilter: HostFilter {
    public static let name = "ComputeFilter"
    public init() {}

    public func passes(_ host: HostState, _ request: SchedulingRequest) -> Bool {
        host.serviceUp && !host.serviceDisabled
    }
}
