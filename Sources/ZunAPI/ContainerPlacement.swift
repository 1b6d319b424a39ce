import Foundation
import Logging
import ZunCore
import ZunScheduler
import ZunStore

/// Picks a host for a new container and writes the container, its `create` action and its task together.
///
/// The scheduler ranks hosts from a snapshot; the store then takes the best host that still fits under a
/// lock on its record (usage re-read inside the transaction), so concurrent creates — in this process or in
/// another API replica — never over-commit a host.
struct ContainerPlacement: Sendable {
    let store: any ZunStore
    let scheduler: FilterScheduler
    let configuration: APIConfiguration

    init(store: any ZunStore, configuration: APIConfiguration) throws {
        self.store = store
        self.configuration = configuration
        self.scheduler = FilterScheduler(
            filters: try HostFilterRegistry.filters(named: configuration.enabledFilters, ratios: configuration.allocationRatios)
        )
    }

    /// Current host states from nodes, services and usage.
    func hostStates() async throws -> (states: [HostState], services: [String: ZunService]) {
        let now = Date()
        let services = Dictionary(
            try await store.services().filter { $0.binary == "zun-compute" }.map { ($0.host, $0) },
            uniquingKeysWith: { first, _ in first }
        )
        let usage = try await store.hostUsage()
        let configuration = self.configuration
        let states = try await store.computeNodes().compactMap { node -> HostState? in
            // Zun keeps only nodes that have a zun-compute service record.
            guard let service = services[node.hostname] else { return nil }
            return Self.hostState(node, service, usage[node.hostname], now, configuration)
        }
        return (states, services)
    }

    private static func hostState(
        _ node: ComputeNode, _ service: ZunService?, _ usage: HostUsage?, _ now: Date, _ configuration: APIConfiguration
    ) -> HostState {
        HostState(
            node: node, service: service, usage: usage, now: now, serviceDownTime: configuration.serviceDownTime,
            defaultAvailabilityZone: configuration.defaultAvailabilityZone
        )
    }

    /// The re-check the store runs under a host's lock: every filter, on the host's fresh usage.
    func fitsCheck(_ request: SchedulingRequest, services: [String: ZunService]) -> @Sendable (ComputeNode, HostUsage) -> Bool {
        let scheduler = self.scheduler
        let configuration = self.configuration
        return { node, usage in
            scheduler.fits(Self.hostState(node, services[node.hostname], usage, Date(), configuration), request)
        }
    }

    /// Schedules and records the container. With no valid host the container is saved in `Error` with
    /// Zun's reason and no task; the caller still answers 202.
    func place(
        _ container: Container, request: SchedulingRequest, requestID: String, run: Bool, logger: Logger
    ) async throws -> Container {
        let (states, services) = try await hostStates()
        let ranking = scheduler.rank(states, for: request)
        if let filter = ranking.rejectedBy {
            logger.debug("no valid host", metadata: [LogKey.filter: "\(filter)"])
        }
        let now = Date()
        let placement = Placement(
            candidates: ranking.hosts.map(\.hostname),
            fits: fitsCheck(request, services: services),
            records: { host in
                (
                    ContainerAction(
                        action: "create", containerUUID: container.uuid, requestID: requestID, userID: container.userID,
                        projectID: container.projectID, startTime: now
                    ),
                    ComputeTask(
                        host: host, containerUUID: container.uuid, kind: .create,
                        payload: .init(requestID: requestID, run: run), createdAt: now
                    )
                )
            },
            noHostReason: noValidHostReason
        )
        let placed = try await store.createContainer(container, placement: placement)
        if let host = placed.host {
            logger.info("container scheduled", metadata: [LogKey.containerUUID: "\(placed.uuid)", LogKey.host: "\(host)"])
        }
        return placed
    }
}
