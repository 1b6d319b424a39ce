import Foundation
import Logging
import ZunCore
import ZunScheduler
import ZunStore

/// Picks a host for a new container and writes the container, its `create` action and its task together.
///
/// Decisions are serialised in this process so two creates never both count the same free capacity: host
/// usage is read from the store inside the critical section, after every earlier create was committed.
actor ContainerPlacement {
    private let store: any ZunStore
    private let scheduler: FilterScheduler
    private let configuration: APIConfiguration

    init(store: any ZunStore, configuration: APIConfiguration) throws {
        self.store = store
        self.configuration = configuration
        self.scheduler = FilterScheduler(
            filters: try HostFilterRegistry.filters(named: configuration.enabledFilters, ratios: configuration.allocationRatios)
        )
    }

    /// Current host states from nodes, services and usage.
    func hostStates() async throws -> [HostState] {
        let now = Date()
        let services = Dictionary(
            try await store.services().filter { $0.binary == "zun-compute" }.map { ($0.host, $0) },
            uniquingKeysWith: { first, _ in first }
        )
        let usage = try await store.hostUsage()
        return try await store.computeNodes().compactMap { node in
            // Zun keeps only nodes that have a zun-compute service record.
            guard let service = services[node.hostname] else { return nil }
            return HostState(
                node: node, service: service, usage: usage[node.hostname], now: now,
                serviceDownTime: configuration.serviceDownTime,
                defaultAvailabilityZone: configuration.defaultAvailabilityZone
            )
        }
    }

    /// Schedules and records the container. With no valid host the container is saved in `Error` with
    /// Zun's reason and no task; the caller still answers 202.
    func place(
        _ container: Container, request: SchedulingRequest, requestID: String, run: Bool, logger: Logger
    ) async throws -> Container {
        var container = container
        let decision = scheduler.select(from: try await hostStates(), for: request)
        guard let host = decision.host else {
            logger.debug("no valid host", metadata: [LogKey.filter: "\(decision.rejectedBy ?? "-")"])
            container.status = .error
            container.statusReason = noValidHostReason
            try await store.createContainer(container, action: nil, task: nil)
            return container
        }
        container.host = host.hostname
        let now = Date()
        let action = ContainerAction(
            action: "create", containerUUID: container.uuid, requestID: requestID, userID: container.userID,
            projectID: container.projectID, startTime: now
        )
        let task = ComputeTask(
            host: host.hostname, containerUUID: container.uuid, kind: .create,
            payload: .init(requestID: requestID, run: run), createdAt: now
        )
        try await store.createContainer(container, action: action, task: task)
        logger.info("container scheduled", metadata: [LogKey.containerUUID: "\(container.uuid)", LogKey.host: "\(host.hostname)"])
        return container
    }
}
