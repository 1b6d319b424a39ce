/// `same_host` hint (Nova's SameHostFilter): only hosts that run one of the named containers.
public struct SameHostFilter: HostFilter {
    public static let name = "SameHostFilter"
    public init() {}

    public func passes(_ host: HostState, _ request: SchedulingRequest) -> Bool {
        request.sameHostAs.map { $0.contains(host.hostname) } ?? true
    }
}

/// `different_host` hint (Nova's DifferentHostFilter): no host that runs one of the named containers.
public struct DifferentHostFilter: HostFilter {
    public static let name = "DifferentHostFilter"
    public init() {}

    public func passes(_ host: HostState, _ request: SchedulingRequest) -> Bool {
        !request.differentHostFrom.contains(host.hostname)
    }
}
