/// Zun's filter scheduler: narrow to the pinned host if any, apply the filters in order, rank the rest.
///
/// In `sampled` mode (the default) it does not look at every host: it walks the fleet in a random order
/// and stops once it has `max(minimum, ⌈log2 N⌉)` feasible hosts, then ranks those (Nomad's and
/// kube-scheduler's trick). Each placement then costs O(log N) filter checks on a healthy fleet, instead
/// of O(N) plus a sort; `exhaustive` checks and ranks every host.
public struct FilterScheduler: Sendable {
    public enum Mode: Sendable, Equatable {
        case exhaustive
        case sampled(minimum: Int)

        public static let defaultSampled = Mode.sampled(minimum: 8)
    }

    public var filters: [any HostFilter]
    public var weigher: any HostWeigher
    public var mode: Mode

    public init(filters: [any HostFilter], weigher: any HostWeigher = SpreadWeigher(), mode: Mode = .defaultSampled) {
        self.filters = filters
        self.weigher = weigher
        self.mode = mode
    }

    /// The same filters and weigher, checking and ranking every host.
    public var exhaustive: FilterScheduler {
        FilterScheduler(filters: filters, weigher: weigher, mode: .exhaustive)
    }

    /// The outcome of one decision: the chosen host, or the filter that left no candidate.
    public struct Decision: Sendable, Equatable {
        public var host: HostState?
        /// Name of the filter that emptied the candidate set (for debug logs), or `requested_host`.
        public var rejectedBy: String?
    }

    /// Hosts that pass, best first (ties in random order), or the filter that left none.
    public struct Ranking: Sendable {
        public var hosts: [HostState]
        public var rejectedBy: String?
    }

    public func select(from hosts: [HostState], for request: SchedulingRequest) -> Decision {
        var rng = SystemRandomNumberGenerator()
        return select(from: hosts, for: request, using: &rng)
    }

    public func select(from hosts: [HostState], for request: SchedulingRequest, using rng: inout some RandomNumberGenerator) -> Decision {
        let ranking = rank(hosts, for: request, using: &rng)
        return Decision(host: ranking.hosts.first, rejectedBy: ranking.rejectedBy)
    }

    public func rank(_ hosts: [HostState], for request: SchedulingRequest) -> Ranking {
        var rng = SystemRandomNumberGenerator()
        return rank(hosts, for: request, using: &rng)
    }

    public func rank(_ hosts: [HostState], for request: SchedulingRequest, using rng: inout some RandomNumberGenerator) -> Ranking {
        if let requested = request.requestedHost {
            let pinned = hosts.filter { $0.hostname == requested }
            if pinned.isEmpty { return Ranking(hosts: [], rejectedBy: "requested_host") }
            return rankExhaustively(pinned, request, &rng)
        }
        guard case .sampled(let minimum) = mode, hosts.count > minimum else {
            return rankExhaustively(hosts, request, &rng)
        }
        let wanted = Swift.max(minimum, Self.log2Ceiling(hosts.count))
        var feasible: [HostState] = []
        feasible.reserveCapacity(wanted)
        for index in RandomWalk(count: hosts.count, using: &rng) {
            if fits(hosts[index], request) {
                feasible.append(hosts[index])
                if feasible.count == wanted { break }
            }
        }
        // Nothing fits anywhere: the exhaustive pass names the filter that emptied the set.
        if feasible.isEmpty { return rankExhaustively(hosts, request, &rng) }
        return Ranking(hosts: ordered(feasible, request, &rng), rejectedBy: nil)
    }

    private func rankExhaustively(_ hosts: [HostState], _ request: SchedulingRequest, _ rng: inout some RandomNumberGenerator) -> Ranking {
        var candidates = hosts
        for filter in filters {
            candidates = candidates.filter { filter.passes($0, request) }
            if candidates.isEmpty { return Ranking(hosts: [], rejectedBy: filter.name) }
        }
        return Ranking(hosts: ordered(candidates, request, &rng), rejectedBy: nil)
    }

    /// Best weight first; equal weights in random order, so equal hosts share the load.
    private func ordered(_ hosts: [HostState], _ request: SchedulingRequest, _ rng: inout some RandomNumberGenerator) -> [HostState] {
        var weighed = hosts.map { (host: $0, weight: weigher.weight($0, request), tieBreak: UInt64.random(in: 0...UInt64.max, using: &rng)) }
        weighed.sort { $0.weight == $1.weight ? $0.tieBreak < $1.tieBreak : $0.weight > $1.weight }
        return weighed.map(\.host)
    }

    /// Whether one host passes every filter (also the re-check made under the host's lock before committing).
    public func fits(_ host: HostState, _ request: SchedulingRequest) -> Bool {
        for filter in filters where !filter.passes(host, request) { return false }
        return true
    }

    static func log2Ceiling(_ n: Int) -> Int {
        n <= 1 ? 1 : Int.bitWidth - (n - 1).leadingZeroBitCount
    }
}

/// Visits 0..<count once each in a random order without shuffling: a random start and a random step
/// coprime to `count` (so the walk is a full cycle).
struct RandomWalk: Sequence, IteratorProtocol {
    let count: Int
    let step: Int
    var position: Int
    var remaining: Int

    init(count: Int, using rng: inout some RandomNumberGenerator) {
        self.count = count
        self.remaining = count
        self.position = count > 0 ? Int.random(in: 0..<count, using: &rng) : 0
        var step = count > 1 ? Int.random(in: 1..<count, using: &rng) : 1
        while Self.gcd(step, count) != 1 { step = step % (count - 1) + 1 }
        self.step = step
    }

    mutating func next() -> Int? {
        guard remaining > 0 else { return nil }
        remaining -= 1
        defer { position = (position + step) % count }
        return position
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}

/// A small seedable generator (SplitMix64) for reproducible schedules in tests and benchmarks.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Zun's message when nothing fits.
public let noValidHostReason = "There are not enough hosts available."
