import Foundation
import Logging
import NIOConcurrencyHelpers
import ZunCore

/// The control plane of one host, applied to the store (docs/node-protocol.md, "The seam"). `zun dev` and the
/// engine tests hand it to their agent directly; the API replicas apply every node-protocol request through
/// it, bound to the host of the request's credential. Either way NodeRestriction is checked here, in one
/// place: a host reads and changes only its own containers, tasks, volumes and service record, and an
/// attempt on anything else is a `403 node-restriction`, logged with the host that was attempted.
public struct StoreControlPlane: ControlPlane {
    public let host: String
    let store: any ZunStore
    let clock: any WallClock
    let logger: Logger
    /// After how long without a heartbeat a host is down: its ports then leave the other hosts' overlays (nil:
    /// every host counts).
    let serviceDownTime: TimeInterval?
    /// Containers already found to be this host's: a container changes host only before any host worked on it
    /// (a reschedule moves tasks nobody claimed), so the events and results of its tasks need no new read.
    private let verified = NIOLockedValueBox<Set<String>>([])
    /// Where heartbeats go: straight to the store, or to an API replica's in-memory buffer.
    let recordHeartbeat: @Sendable (Heartbeat) async throws -> Void
    /// Whether a long-poll woken by a task claims it and answers with it. Only where the agent lives in this
    /// process (`zun dev`, the benchmarks): across HTTP, the long-poll of a host that just died is still
    /// waiting on the API (its connection looks open), and a claim made for it would hold the task, running
    /// under a dead host's lease, where the dead-host reaper would have moved it to another host.
    let claimsWhenWoken: Bool
    /// Whether a claim's answer carries the networks its containers' ports are on that the claim did not name
    /// as realized on the host: across HTTP, where the host would otherwise ask for each in a request of its
    /// own. In process the host's read is the same read.
    let claimsCarryNetworks: Bool

    public init(
        host: String, store: any ZunStore, clock: any WallClock = SystemWallClock(), logger: Logger,
        serviceDownTime: TimeInterval? = nil, recordHeartbeat: (@Sendable (Heartbeat) async throws -> Void)? = nil,
        claimsWhenWoken: Bool = true, claimsCarryNetworks: Bool = false
    ) {
        self.serviceDownTime = serviceDownTime
        self.claimsWhenWoken = claimsWhenWoken
        self.claimsCarryNetworks = claimsCarryNetworks
        self.host = host
        self.store = store
        self.clock = clock
        self.logger = logger
        self.recordHeartbeat = recordHeartbeat ?? { beat in
            try await store.heartbeat(
                host: beat.host, binary: ZunService.computeBinary, availabilityZone: beat.availabilityZone, endpoint: beat.endpoint,
                at: beat.at
            )
        }
    }

    // MARK: Registration and liveness

    public func register(_ registration: NodeRegistration) async throws {
        try await reportInventory(registration.inventory)
        // Written at once, not buffered: the API may place on this host as soon as the agent is up.
        try await store.heartbeat(
            host: host, binary: ZunService.computeBinary, availabilityZone: registration.heartbeat.availabilityZone,
            endpoint: registration.heartbeat.endpoint, at: clock.now
        )
        try await store.releaseTasks(host: host)
        // Back (or new): the other hosts of its networks put its ports into their overlays again at once.
        try await store.overlayHostChanged(host: host)
    }

    public func reportInventory(_ inventory: ComputeNode) async throws {
        let existing = try await store.computeNode(ident: host)
        var node = inventory
        // The record's identity and the usage are the control plane's, never the node's say.
        node.hostname = host
        node.uuid = existing?.uuid ?? RandomUUID.make()
        node.cpuUsed = existing?.cpuUsed ?? 0
        node.memUsed = existing?.memUsed ?? 0
        node.diskUsed = existing?.diskUsed ?? 0
        node.updatedAt = clock.now
        try await store.saveComputeNode(node)
    }

    public func heartbeat(_ heartbeat: NodeHeartbeat) async throws {
        try await recordHeartbeat(Heartbeat(host: host, availabilityZone: heartbeat.availabilityZone, endpoint: heartbeat.endpoint, at: clock.now))
    }

    // MARK: Tasks

    /// Claims what is runnable now; with nothing runnable, waits for a wake-up (or the request's wait) and
    /// answers empty, and the caller asks again at once. Work is claimed only at the start of a request, when
    /// the caller has just shown it is there: a long-poll whose agent died while it waited (its connection
    /// gone unnoticed) claims nothing, so the task stays pending and the reaper can move it off a dead host.
    public func claimTasks(_ request: TaskClaimRequest) async throws -> ClaimedTasks {
        if request.recover { try await recoverLostClaims(owner: request.owner, running: Set(request.running)) }
        let claimed = try await claimBatch(request)
        let wait = min(max(request.waitSeconds, 0), TaskClaimRequest.maximumWait)
        guard claimed.isEmpty, wait > 0 else { return try await withRecords(claimed, request) }
        // Woken by a task written for this host: claim it now and answer with it, rather than answer empty and
        // have the agent ask again (one claim per task fewer). A wait that ran out answers empty, so the agent's
        // next claim is its idle poll, which it counts.
        let woken = await store.waitForTasks(host: host, timeout: .milliseconds(Int64(wait * 1000)))
        guard woken, claimsWhenWoken else { return ClaimedTasks(tasks: []) }
        return try await withRecords(try await claimBatch(request), request)
    }

    /// The claimed tasks with their containers' records, read once for the batch after the claim committed: a
    /// handler would otherwise read its record first thing, one request each over HTTP. Only this host's. With
    /// them, where wanted, the networks of those records the host has not realized: none to read on a host that
    /// has its networks already, the usual case.
    private func withRecords(_ tasks: [ComputeTask], _ request: TaskClaimRequest) async throws -> ClaimedTasks {
        guard !tasks.isEmpty else { return ClaimedTasks(tasks: []) }
        let records = try await store.containers(uuids: Array(Set(tasks.map(\.containerUUID)))).filter { $0.host == host }
        guard claimsCarryNetworks, let realized = request.realizedNetworks.map(Set.init) else {
            return ClaimedTasks(tasks: tasks, containers: records)
        }
        let missing = Set(records.flatMap { ($0.networks ?? []).map(\.networkUUID) }).subtracting(realized)
        let networks = missing.isEmpty ? [] : try await store.networks(uuids: Array(missing))
        return ClaimedTasks(tasks: tasks, containers: records, networks: networks)
    }

    /// Claims up to each lane's free slots (at most `maximumBatch` in all), in one transaction.
    private func claimBatch(_ request: TaskClaimRequest) async throws -> [ComputeTask] {
        var slots = request.slots.mapValues { min(max($0, 0), TaskClaimRequest.maximumBatch) }
        // Within the batch bound in all, the lanes keeping their share in order.
        var total = 0
        for lane in ComputeTask.Lane.allCases {
            let share = min(slots[lane, default: 0], TaskClaimRequest.maximumBatch - total)
            slots[lane] = share
            total += share
        }
        let now = clock.now
        return try await store.claimTasks(
            host: host, owner: request.owner, leaseUntil: now.addingTimeInterval(max(1, request.leaseSeconds)), now: now, slots: slots
        )
    }

    /// Makes claimable again the tasks leased to `owner` that the runner does not know it holds.
    private func recoverLostClaims(owner: String, running: Set<Int64>) async throws {
        for task in try await store.runningTasks(host: host, leaseOwner: owner) where !running.contains(task.id ?? -1) {
            guard let id = task.id else { continue }
            logger.notice("a claim's answer was lost; its task is claimable again", metadata: [LogKey.taskID: "\(id)"])
            try await store.unclaimTask(id: id, owner: owner)
        }
    }

    // MARK: Reports

    /// Applies reports in order. Consecutive reports of the kinds `ReportWriter` covers (container changes,
    /// events, task and action ends) are one transaction, so a task's reports sent together cost one write; a
    /// refused report in it changes nothing and the others still apply. Should the transaction itself fail (a
    /// conflict, a constraint), each report of it is tried alone, so one bad report cannot hold back the rest.
    public func submit(_ reports: [NodeReport]) async throws -> [NodeReportOutcome] {
        var outcomes: [NodeReportOutcome] = []
        outcomes.reserveCapacity(reports.count)
        var start = reports.startIndex
        while start < reports.endIndex {
            guard reports[start].isWrittenTogether else {
                outcomes.append(try await Self.outcome { try await applyAlone(reports[start]) })
                start += 1
                continue
            }
            let end = reports[start...].firstIndex { !$0.isWrittenTogether } ?? reports.endIndex
            outcomes += try await applyTogether(Array(reports[start..<end]))
            start = end
        }
        return outcomes
    }

    private func applyTogether(_ run: [NodeReport]) async throws -> [NodeReportOutcome] {
        let now = clock.now
        do {
            return try await store.writeReports { writer in
                var outcomes: [NodeReportOutcome] = []
                for report in run { outcomes.append(try await Self.outcome { try await apply(report, writer, now: now) }) }
                return outcomes
            }
        } catch where run.count > 1 {
            logger.info("a batch of reports failed together; applying each alone", metadata: [LogKey.error: "\(error)"])
            var outcomes: [NodeReportOutcome] = []
            for report in run {
                outcomes.append(try await store.writeReports { writer in try await Self.outcome { try await apply(report, writer, now: now) } })
            }
            return outcomes
        }
    }

    /// A refusal (`ZunError`) is the report's outcome; any other error is the store's and fails the call.
    private static func outcome(_ apply: () async throws -> Container?) async throws -> NodeReportOutcome {
        do {
            return .applied(try await apply())
        } catch let error as ZunError {
            return .refused(ReportError(error))
        }
    }

    /// Applies one report of the kinds written together. Each case checks before it writes, so a refused
    /// report has changed nothing in the shared transaction.
    private func apply(_ report: NodeReport, _ writer: any ReportWriter, now: Date) async throws -> Container? {
        switch report {
        case .container(let uuid, let change, let actions, let tasks):
            for action in actions where action.containerUUID != uuid {
                throw restricted("start an action of another container", attempted: action.containerUUID)
            }
            for task in tasks where task.host != host || task.containerUUID != uuid {
                throw restricted("queue a task for another host or container", attempted: "\(task.host)/\(task.containerUUID)")
            }
            // The host is checked on the record the report changes, in its transaction. A record already gone is
            // a report that came late (a delete finished): nothing to change, nil.
            let host = self.host
            do {
                return try await writer.updateContainer(uuid: uuid, actions: actions, tasks: tasks) { container in
                    guard container.host == host else { throw ForeignContainer() }
                    try change.apply(to: &container, now: now)
                }
            } catch is ContainerReport.Stale {
                return nil
            } catch is ForeignContainer {
                throw restricted("report on a container of another host", attempted: uuid)
            }
        case .taskFinished(let id, let error):
            try await requireOwnTask(id, writer)
            try await writer.finishTask(id: id, error: error, at: now)
        case .taskDeferred(let id, let seconds):
            try await requireOwnTask(id, writer)
            try await writer.deferTask(id: id, until: now.addingTimeInterval(min(max(seconds, 0), 3600)))
        case .eventStarted(let uuid, let requestID, let event, let at):
            try await requireOwnContainer(uuid, "record an event of", writer)
            try await writer.startEvent(containerUUID: uuid, requestID: requestID, event: event, at: Self.time(at, now: now))
        case .eventFinished(let uuid, let requestID, let event, let result, let traceback, let at):
            try await requireOwnContainer(uuid, "record an event of", writer)
            try await writer.finishEvent(
                containerUUID: uuid, requestID: requestID, event: event, result: result, traceback: traceback, at: Self.time(at, now: now)
            )
        case .actionFinished(let uuid, let requestID, let failed, let at):
            try await requireOwnContainer(uuid, "finish an action of", writer)
            try await writer.finishAction(containerUUID: uuid, requestID: requestID, failed: failed, at: Self.time(at, now: now))
        case .networkRealized(let uuid, let dockerID, let overlay):
            try await writer.recordNetworkRealized(uuid: uuid, host: host, dockerID: dockerID, overlay: overlay ?? true)
        case .networkDetached, .volumePlaced, .containerDestroyed:
            // `submit` sends these to `applyAlone`; refused rather than trapped, should that ever change.
            throw ZunError.internalError("a report of this kind is applied in a transaction of its own")
        }
        return nil
    }

    /// The time of an event as the host saw it, never later than the time it arrived.
    private static func time(_ reported: Date?, now: Date) -> Date {
        guard let reported else { return now }
        return min(reported, now)
    }

    /// Applies one report of the kinds that make their own transaction (networks, volumes, a destroy).
    private func applyAlone(_ report: NodeReport) async throws -> Container? {
        switch report {
        case .networkDetached(let containerUUID, let networkUUID):
            try await requireOwnContainer(containerUUID, "detach a network of")
            try await store.detachNetwork(containerUUID: containerUUID, networkUUID: networkUUID)
        case .volumePlaced(let uuid):
            guard try await volume(uuid: uuid) != nil else { throw restricted("place a volume held by another host", attempted: uuid) }
            try await store.setVolumeHost(uuid: uuid, host: host)
        case .containerDestroyed(let uuid):
            // A record already gone is a delete retried: done.
            guard let container = try await store.container(uuid: uuid) else { return nil }
            guard container.host == host else { throw restricted("destroy a container of another host", attempted: uuid) }
            try await store.destroyContainer(uuid: uuid)
        case .container, .taskFinished, .taskDeferred, .eventStarted, .eventFinished, .actionFinished, .networkRealized:
            throw ZunError.internalError("a report of this kind is written together with others")
        }
        return nil
    }

    // MARK: Reads

    public func container(uuid: String) async throws -> Container? {
        guard let container = try await store.container(uuid: uuid), container.host == host else { return nil }
        return container
    }

    public func containers() async throws -> [Container] {
        try await store.containers(onHost: host)
    }

    public func hasUnfinishedTask(containerUUID: String) async throws -> Bool {
        guard try await container(uuid: containerUUID) != nil else { return false }
        return try await store.tasks(containerUUID: containerUUID).contains { $0.state == .pending || $0.state == .running }
    }

    public func network(uuid: String) async throws -> Network? {
        try await store.network(uuid: uuid)
    }

    public func overlayPeers(networkUUID: String) async throws -> [OverlayPeer] {
        try await store.overlayPeers(
            networkUUID: networkUUID, excludingHost: host, aliveSince: serviceDownTime.map { clock.now.addingTimeInterval(-$0) }
        )
    }

    public func waitForOverlayChange(waitSeconds: Double) async throws {
        let wait = min(max(waitSeconds, 0), TaskClaimRequest.maximumWait)
        guard wait > 0 else { return }
        await store.waitForOverlayChange(host: host, timeout: .milliseconds(Int64(wait * 1000)))
    }

    public func volume(uuid: String) async throws -> Volume? {
        guard let volume = try await store.volume(uuid: uuid), volume.host == nil || volume.host == host else { return nil }
        return volume
    }

    // MARK: NodeRestriction

    /// Checks the container is this host's: true when it is, false when its record is gone but this host ran a
    /// task of it (the events and action of a delete are written after the record goes), 403 otherwise.
    @discardableResult
    private func requireOwnContainer(_ uuid: String, _ action: String, _ writer: (any ReportWriter)? = nil) async throws -> Bool {
        if verified.withLockedValue({ $0.contains(uuid) }) { return true }
        let container = if let writer { try await writer.container(uuid: uuid) } else { try await store.container(uuid: uuid) }
        if let container {
            guard container.host == host else { throw restricted("\(action) a container of another host", attempted: uuid) }
            verified.withLockedValue { verified in
                if verified.count >= 10_000 { verified.removeAll() }
                verified.insert(uuid)
            }
            return true
        }
        let tasks = if let writer { try await writer.tasks(containerUUID: uuid) } else { try await store.tasks(containerUUID: uuid) }
        guard tasks.contains(where: { $0.host == host }) else {
            throw restricted("\(action) a container this host never held", attempted: uuid)
        }
        return false
    }

    private struct ForeignContainer: Error {}

    private func requireOwnTask(_ id: Int64, _ writer: any ReportWriter) async throws {
        // A task moves only between hosts while pending (a reschedule); a claimed one stays the claimer's.
        guard let taskHost = try await writer.taskHost(id: id) else { throw ZunError.resourceNotFound("Task", "\(id)") }
        guard taskHost == host else { throw restricted("report on a task of another host", attempted: "task \(id)") }
    }

    /// The 403 of a node acting beyond its host, logged with what it attempted.
    public func restricted(_ action: String, attempted: String) -> ZunError {
        logger.warning("node tried to act beyond its host", metadata: ["node": "\(host)", "attempted": "\(attempted)", "action": "\(action)"])
        return ZunError(.forbidden, code: "node-restriction", message: "A node may not \(action) (\(host) holds this credential).")
    }
}

extension NodeReport {
    /// Whether the report is of the kinds `ReportWriter` writes, which share one transaction when sent together.
    fileprivate var isWrittenTogether: Bool {
        switch self {
        case .container, .taskFinished, .taskDeferred, .eventStarted, .eventFinished, .actionFinished, .networkRealized: true
        case .networkDetached, .volumePlaced, .containerDestroyed: false
        }
    }
}
