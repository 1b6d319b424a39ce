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
        var candidates = hosts
        if let requested = request.requestedHost {
            candidates = candidates.filter { $0.hostname == requested }
            if candidates.isEmpty { return Decision(host: nil, rejectedBy: "requested_host") }
        }
        for filter in filters {
            candidates = candidates.filter { filter.passes($0, request) }
            if candidates.isEmpty { return Decision(host: nil, rejectedBy: filter.name) }
        }
        let best = candidates.max { lhs, rhs in
            let (l, r) = (weigher.weight(lhs, request), weigher.weight(rhs, request))
            return l == r ? lhs.hostname > rhs.hostname : l < r
        }
        return Decision(host: best, rejectedBy: nil)
    }
}

/// Zun's message when nothing fits.
public let noValidHostReason = "There are not enough hosts available."
