import Foundation
import Logging
import ZunCore
import ZunScheduler
import ZunStore

/// Picks a host for a new container and writes the container, its `create` action and its task together.
///
/// The scheduler ranks hosts on the in-memory `HostStateCache`; the store then takes the best host that
/// still fits under a lock on its record (usage re-read inside the transaction), so concurrent creates — in
/// this process or in another API replica — never over-commit a host. When every sampled candidate turns
/// out full under the lock (a stale view), the choice is made again on a fresh view over every host.
struct ContainerPlacement: Sendable {
    let store: any ContainerRecords & HostInventory
    let scheduler: FilterScheduler
    let configuration: APIConfiguration
    let cache: HostStateCache
    let clock: any WallClock

    init(store: any ContainerRecords & HostInventory, configuration: APIConfiguration, clock: any WallClock = SystemWallClock()) throws {
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.scheduler = FilterScheduler(
            filters: try HostFilterRegistry.filters(named: configuration.enabledFilters, ratios: configuration.allocationRatios),
            weigher: try HostWeigherRegistry.weigher(named: configuration.weigher),
            mode: configuration.schedulerMode
        )
        self.cache = HostStateCache(store: store, configuration: configuration, clock: clock)
    }

    /// What `container` asks of a host; the `same_host` / `different_host` hints become the hosts of the
    /// containers they name. For a caller (`.caller`), a uuid that is unknown or a container it cannot see
    /// (another project's, unless admin) is refused with 400 in the same words, so hints reveal nothing; a
    /// reschedule (`.ignoreUnknown`) skips containers deleted since.
    func request(for container: Container, requestedHost: String?, hintScope: HintScope = .ignoreUnknown) async throws -> SchedulingRequest {
        let hints = container.hints ?? [:]
        func hosts(_ hint: String) async throws -> Set<String>? {
            guard let value = hints[hint] else { return nil }
            var hosts = Set<String>()
            for uuid in value.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !uuid.isEmpty {
                let named = try await store.container(uuid: uuid.lowercased())
                if case .caller(let project) = hintScope, named == nil || (project != nil && named?.projectID != project) {
                    throw ZunError.invalidValue("Invalid input for field 'hints': \(hint) names \(uuid), which is not a container of this project.")
                }
                if let host = named?.host { hosts.insert(host) }
            }
            return hosts
        }
        return SchedulingRequest(
            cpu: container.cpu, memoryMB: container.memoryMB, diskGB: container.disk, runtime: container.runtime,
            availabilityZone: container.availabilityZone, requestedHost: requestedHost, hints: hints,
            cpuPolicy: container.cpuPolicy, sameHostAs: try await hosts("same_host"),
            differentHostFrom: try await hosts("different_host") ?? []
        )
    }

    /// Whose view the scheduler hints are resolved in.
    enum HintScope {
        /// A create's caller: `project` nil for an admin, who sees every project.
        case caller(project: String?)
        /// The reaper moving a create: hints naming deleted containers are dropped.
        case ignoreUnknown
    }

    private static func hostState(
        _ node: ComputeNode, _ service: ZunService?, _ usage: HostUsage?, _ now: Date, _ configuration: APIConfiguration
    ) -> HostState {
        HostState(
            node: node, service: service, usage: usage, now: now, serviceDownTime: configuration.serviceDownTime,
            defaultAvailabilityZone: configuration.defaultAvailabilityZone
        )
    }

    /// The re-check the store runs under a host's lock: every filter, on the host's fresh usage and service.
    func fitsCheck(_ request: SchedulingRequest) -> @Sendable (ComputeNode, HostUsage, ZunService?) -> Bool {
        let scheduler = self.scheduler
        let configuration = self.configuration
        return { node, usage, service in
            scheduler.fits(Self.hostState(node, service, usage, clock.now, configuration), request)
        }
    }

    /// Schedules and records the container. With no valid host the container is saved in `Error` with
    /// Zun's reason and no task; the caller still answers 202.
    func place(
        _ container: Container, request: SchedulingRequest, requestID: String, run: Bool, logger: Logger
    ) async throws -> Container {
        let ranking = try await cache.rank(request, with: scheduler)
        if let filter = ranking.rejectedBy {
            logger.debug("no valid host", metadata: [LogKey.filter: "\(filter)"])
        }
        let placed: Container
        let startedAt = clock.now
        do {
            placed = try await store.createContainer(container, placement: placement(container, ranking, request, requestID, run, lastTry: false))
        } catch is PlacementExhausted {
            // No candidate on the cached view, or all were full under their locks: choose again on a fresh
            // view of every host before giving up.
            try await cache.refreshFully()
            let retry = try await cache.rank(request, with: scheduler.exhaustive)
            placed = try await store.createContainer(container, placement: placement(container, retry, request, requestID, run, lastTry: true))
        }
        if let host = placed.host {
            await cache.consume(host: host, request, placementStartedAt: startedAt)
            logger.info("container scheduled", metadata: [LogKey.containerUUID: "\(placed.uuid)", LogKey.host: "\(host)"])
        }
        return placed
    }

    private func placement(
        _ container: Container, _ ranking: FilterScheduler.Ranking, _ request: SchedulingRequest, _ requestID: String, _ run: Bool,
        lastTry: Bool
    ) -> Placement {
        let now = clock.now
        return Placement(
            candidates: ranking.hosts.map(\.hostname),
            fits: fitsCheck(request),
            records: { host in
                (
                    ContainerAction(
                        action: ContainerOperations.create.name, containerUUID: container.uuid, requestID: requestID, userID: container.userID,
                        projectID: container.projectID, startTime: now
                    ),
                    ComputeTask(host: host, containerUUID: container.uuid, kind: .create, payload: .init(requestID: requestID, run: run), createdAt: now)
                )
            },
            noHostReason: noValidHostReason,
            // The first try on the cached view is retried on a fresh one rather than failed.
            recordsFailure: lastTry,
            quota: configuration.quotaCheck(project: container.projectID, delta: .of(container))
        )
    }
}
