/// Zun's filter scheduler: narrow to the pinned host if any, apply the filters in order, rank the rest.
public struct FilterScheduler: Sendable {
    public var filters: [any HostFilter]
    public var weigher: any HostWeigher

    public init(filters: [any HostFilter], weigher: any HostWeigher = SpreadWeigher()) {
        self.filters = filters
        self.weigher = weigher
    }

    /// The outcome of one decision: the chosen host, or the filter that left no candidate.
    public struct Decision: Sendable, Equatable {
        public var host: HostState?
        /// Name of the filter that emptied the candidate set (for debug logs), or `requested_host`.
        public var rejectedBy: String?
    }

    public func select(from hosts: [HostState], for request: SchedulingRequest) -> Decision {
        let ranking = rank(hosts, for: request)
        return Decision(host: ranking.hosts.first, rejectedBy: ranking.rejectedBy)
    }

    /// Every host that passes, best first, or the filter that left none.
    public func rank(_ hosts: [HostState], for request: SchedulingRequest) -> (hosts: [HostState], rejectedBy: String?) {
        var candidates = hosts
        if let requested = request.requestedHost {
            candidates = candidates.filter { $0.hostname == requested }
            if candidates.isEmpty { return ([], "requested_host") }
        }
        for filter in filters {
            candidates = candidates.filter { filter.passes($0, request) }
            if candidates.isEmpty { return ([], filter.name) }
        }
        let weighed = candidates.map { (host: $0, weight: weigher.weight($0, request)) }
        let ranked = weighed.sorted { lhs, rhs in
            lhs.weight == rhs.weight ? lhs.host.hostname < rhs.host.hostname : lhs.weight > rhs.weight
        }
        return (ranked.map(\.host), nil)
    }

    /// Whether one host passes every filter (the re-check made under the host's lock before committing).
    public func fits(_ host: HostState, _ request: SchedulingRequest) -> Bool {
        filters.allSatisfy { $0.passes(host, request) }
    }
}

/// Zun's message when nothing fits.
public let noValidHostReason = "There are not enough hosts available."
