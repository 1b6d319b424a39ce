import Foundation
import Logging
import ServiceLifecycle
import ZunCore
import ZunScheduler
import ZunStore

/// Ends tasks stuck on dead hosts, so nothing stays in `Creating` or `Deleting` forever.
///
/// A task waits on a down host for at most `deadHostTaskTimeout` (counted from when the host was last seen,
/// or from the task's creation if later). Then: a create the host never claimed is rescheduled once to
/// another host; any other create, start or stop puts the container in `Error` naming the host; a delete
/// removes the record (the host removes the engine container when it comes back, see the agent's
/// reconciliation). Several API replicas may run it: each step is one transaction and re-checks its state.
/// Each pass also hands the services that are down to `OverlayLivenessWatcher`, so that a host declared down
/// leaves the other hosts' overlays (and one back rejoins them) within a pass.
public struct DeadHostReaper: Service {
    let store: any ContainerRecords & HostInventory & TaskQueue & ActionLog & NetworkRecords
    let configuration: APIConfiguration
    let placement: ContainerPlacement
    let overlayLiveness: OverlayLivenessWatcher
    let clock: any WallClock
    let logger: Logger

    public init(
        store: any ContainerRecords & HostInventory & TaskQueue & ActionLog & NetworkRecords, configuration: APIConfiguration,
        clock: any WallClock = SystemWallClock(), logger: Logger
    ) throws {
        self.store = store
        self.configuration = configuration
        self.placement = try ContainerPlacement(store: store, configuration: configuration, clock: clock)
        self.overlayLiveness = OverlayLivenessWatcher(store: store, downAfter: configuration.serviceDownTime, logger: logger)
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await reapOnce()
            } catch {
                logger.warning("reaping dead-host tasks failed", metadata: [LogKey.error: "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: configuration.reaperInterval) }
        }
    }

    /// One pass; returns how many tasks it ended or moved.
    @discardableResult
    public func reapOnce() async throws -> Int {
        let now = clock.now
        let downAfter = configuration.serviceDownTime
        // Only the rows of hosts that are down: a pass over a healthy fleet of thousands reads none (it read
        // every service and every unfinished task before, 4 % of a replica's CPU at 5,000 hosts).
        await overlayLiveness.observe(try await store.computeServicesDown(now: now, downAfter: downAfter), now: now)
        var reaped = 0
        for stranded in try await store.unfinishedTasksOfHostsDown(now: now, downAfter: downAfter) {
            let task = stranded.task
            let waitingSince = max(task.createdAt, stranded.hostLastSeen ?? .distantPast)
            guard now.timeIntervalSince(waitingSince) > configuration.deadHostTaskTimeout, let id = task.id else { continue }
            try await reap(task, id: id)
            reaped += 1
        }
        return reaped
    }

    private func reap(_ task: ComputeTask, id: Int64) async throws {
        var logger = self.logger
        logger[metadataKey: LogKey.taskID] = "\(id)"
        logger[metadataKey: LogKey.containerUUID] = "\(task.containerUUID)"
        logger[metadataKey: LogKey.host] = "\(task.host)"
        let container = try await store.container(uuid: task.containerUUID)
        let seconds = Int(configuration.deadHostTaskTimeout)
        if task.kind == .create, let container, container.containerID == nil, container.requestedHost == nil,
           configuration.rescheduleOnDeadHost, task.payload.rescheduledFrom == nil,
           let host = try await reschedule(task, id: id, container)
        {
            logger.notice("create rescheduled away from a dead host", metadata: ["to": "\(host)"])
            return
        }
        let reason = "Compute host \(task.host) is down: the \(task.kind.rawValue) did not complete within \(seconds) s."
        // Only the reaper that abandons the task (in one transaction) touches the container.
        guard try await store.abandonTask(id: id, fromHost: task.host, error: reason, at: clock.now) else { return }
        if task.kind == .delete {
            try await store.destroyContainer(uuid: task.containerUUID)
            logger.notice("delete completed without its dead host")
        } else {
            try await store.updateContainer(uuid: task.containerUUID) {
                $0.status = .error
                $0.statusReason = reason
                $0.taskState = nil
            }
            logger.notice("task ended: its host is dead")
        }
        try await store.finishAction(
            containerUUID: task.containerUUID, requestID: task.payload.requestID, failed: task.kind != .delete, at: clock.now
        )
    }

    /// A reschedule moves an existing task and writes no new action or task; the store never asks for them.
    private static let noRecords: @Sendable (String) -> (ContainerAction, ComputeTask) = { host in
        let requestID = "req-reschedule"
        return (
            ContainerAction(action: ContainerOperations.create.name, containerUUID: "", requestID: requestID, userID: "", projectID: "", startTime: .distantPast),
            ComputeTask(host: host, containerUUID: "", kind: .create, payload: .init(requestID: requestID), createdAt: .distantPast)
        )
    }

    /// Moves the create to the best other host that fits, under that host's lock.
    private func reschedule(_ task: ComputeTask, id: Int64, _ container: Container) async throws -> String? {
        var request = try await placement.request(for: container, requestedHost: nil)
        request.differentHostFrom.insert(task.host)
        // Reschedules are rare: rank every host on a fresh view.
        try await placement.cache.refreshFully()
        let ranking = try await placement.cache.rank(request, with: placement.scheduler.exhaustive)
        let ranked = ranking.hosts
        guard !ranked.isEmpty else {
            logger.notice("no host to reschedule to", metadata: [LogKey.filter: "\(ranking.rejectedBy ?? "-")"])
            return nil
        }
        let candidates = ranked.map(\.hostname)
        let fits = placement.fitsCheck(request)
        return try await store.rescheduleTask(
            id: id, fromHost: task.host,
            placement: Placement(candidates: candidates, fits: fits, records: Self.noRecords, noHostReason: ""),
            { container, host in container.host = host }
        )
    }
}
