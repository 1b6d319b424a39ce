import Foundation
import Logging
import ZunCore
import ZunScheduler
import ZunStore

/// The API's in-memory view of every compute host, so scheduling never scans tables per request.
///
/// Nodes and services are refreshed incrementally (rows changed since the last read, with an overlap for
/// clock skew) every `refreshInterval`, and in full every `fullRefreshInterval` (deletions). A heartbeat is not
/// a change of its service here: thousands of hosts heartbeating every few seconds would make every refresh read
/// every row. Liveness is read apart, and only for hosts whose last-seen time in the view is past half the down
/// time: the view's time can only be older than the record's, so a host it shows up is up. Usage is
/// re-summed every `usageRefreshInterval`; in between, this replica's own placements are added as they
/// commit. The view may lag other replicas by a moment: that is safe, because the store re-checks the
/// chosen host under its lock before committing (optimistic concurrency), and the next candidate is tried.
actor HostStateCache {
    struct Intervals: Sendable {
        var refresh: TimeInterval = 1
        var usageRefresh: TimeInterval = 5
        var fullRefresh: TimeInterval = 30
        /// Rows written this long before the newest stamp seen are read again (clock skew between writers;
        /// a larger skew is caught by the next full refresh).
        var skewOverlap: TimeInterval = 2
    }

    private let store: any HostInventory
    private let configuration: APIConfiguration
    private let intervals: Intervals
    private let clock: any WallClock
    private var nodes: [String: ComputeNode] = [:]
    private var services: [String: ZunService] = [:]
    private var usage: [String: HostUsage] = [:]
    /// Host states in a stable order, and where each host is in it.
    private var states: [HostState] = []
    private var index: [String: Int] = [:]
    /// When the last reads began: the next incremental reads take the rows stamped since, less the skew overlap.
    private var readsBegan: Double = 0
    private var lastRefresh: Date = .distantPast
    private var lastUsageRefresh: Date = .distantPast
    /// When the usage in the view was last read back from the store (the read's end).
    private var usageReadAt: Date = .distantPast
    private var lastFullRefresh: Date = .distantPast
    /// The refresh under way; callers with no view yet wait for it, others use the current view.
    private var inFlight: Task<Void, any Error>?
    private var rng = SystemRandomNumberGenerator()

    init(store: any HostInventory, configuration: APIConfiguration, intervals: Intervals = Intervals(), clock: any WallClock = SystemWallClock()) {
        self.store = store
        self.clock = clock
        self.configuration = configuration
        self.intervals = intervals
    }

    /// The hosts the view holds up, after a refresh if one is due.
    func hostsUp() async throws -> Set<String> {
        try await refreshIfStale()
        return Set(states.filter(\.serviceUp).map(\.hostname))
    }

    /// Ranks hosts for `request` on the current view.
    func rank(_ request: SchedulingRequest, with scheduler: FilterScheduler) async throws -> FilterScheduler.Ranking {
        try await refreshIfStale()
        return scheduler.rank(states, for: request, using: &rng)
    }

    /// Adds a committed placement to the host's usage, unless a usage read since the placement began may
    /// already hold it: counting it twice would hide room that exists (a false "not enough hosts"), while
    /// missing it only costs a retry, because the store re-checks every host under its lock.
    func consume(host: String, _ request: SchedulingRequest, placementStartedAt: Date) {
        guard placementStartedAt > usageReadAt, let position = index[host] else { return }
        states[position].consume(request)
        usage[host, default: HostUsage()].add(request)
    }

    /// Reads what changed now; everything (usage included) unless that was done less than a second ago.
    /// Callers that found no host on the current view use this before they give up, so a burst of them
    /// costs one full read and then cheap incremental ones.
    func refreshFully() async throws {
        if clock.now.timeIntervalSince(lastFullRefresh) >= 1 {
            lastFullRefresh = .distantPast
            lastUsageRefresh = .distantPast
        }
        lastRefresh = .distantPast
        try await refreshIfStale()
    }

    private func refreshIfStale() async throws {
        if let inFlight {
            if lastRefresh == .distantPast || states.isEmpty { try await inFlight.value }
            return
        }
        guard clock.now.timeIntervalSince(lastRefresh) >= intervals.refresh else { return }
        let task = Task { try await self.refresh() }
        inFlight = task
        defer { inFlight = nil }
        try await task.value
    }

    private func refresh() async throws {
        let now = clock.now
        let full = now.timeIntervalSince(lastFullRefresh) >= intervals.fullRefresh
        let since = readsBegan - intervals.skewOverlap
        let changedNodes = full ? try await store.computeNodes() : try await store.computeNodes(updatedSince: since)
        let changedServices = full ? try await store.services() : try await store.services(changedSince: since)
        let freshUsage = now.timeIntervalSince(lastUsageRefresh) >= intervals.usageRefresh ? try await store.hostUsage() : nil

        if full {
            nodes = [:]
            services = [:]
        }
        for node in changedNodes { nodes[node.hostname] = node }
        // A row written after these reads began carries a later stamp (give or take the writers' skew, which the
        // overlap covers): the next reads start here, whatever the rows said. Starting at the newest stamp seen
        // instead re-read, in a quiet fleet, every node registered within the overlap of it (all 5,000 hollow
        // hosts each second, 6 % of the benchmark's time), and a writer whose clock ran ahead would have pushed
        // the start past rows the others wrote.
        readsBegan = now.timeIntervalSince1970
        for service in changedServices where service.binary == ZunService.computeBinary {
            services[service.host] = service
        }
        let ageing = now.addingTimeInterval(-configuration.serviceDownTime / 2)
        let atRisk = services.values.filter { ($0.lastSeenUp ?? .distantPast) < ageing }.map(\.host)
        for (host, seen) in try await store.lastSeenUp(computeHosts: atRisk) {
            services[host]?.lastSeenUp = seen
        }
        if let freshUsage {
            usage = freshUsage
            lastUsageRefresh = now
            usageReadAt = clock.now
        }
        rebuild(now: now)
        lastRefresh = now
        if full { lastFullRefresh = now }
    }

    /// Host states from nodes that have a `zun-compute` service record (as Zun keeps them).
    private func rebuild(now: Date) {
        var rebuilt: [HostState] = []
        rebuilt.reserveCapacity(nodes.count)
        for node in nodes.values.sorted(by: { $0.hostname < $1.hostname }) {
            guard let service = services[node.hostname] else { continue }
            rebuilt.append(HostState(
                node: node, service: service, usage: usage[node.hostname], now: now,
                serviceDownTime: configuration.serviceDownTime, defaultAvailabilityZone: configuration.defaultAvailabilityZone
            ))
        }
        states = rebuilt
        index = Dictionary(uniqueKeysWithValues: rebuilt.enumerated().map { ($1.hostname, $0) })
    }
}

extension HostUsage {
    mutating func add(_ request: SchedulingRequest) {
        cpu += request.cpu
        memoryMB += request.memoryMB
        diskGB += request.diskGB ?? 0
        containers += 1
    }
}
