import Foundation
import NIOConcurrencyHelpers
import SQLKit
import ZunCore

/// `ReportTransactions` on SQL: the writes of a batch of reports in one transaction, each container read once.
/// The single-report methods of `ContainerRecords`, `TaskQueue` and `ActionLog` that hosts report through
/// (`updateContainer`, `finishTask`, `startEvent`…) are this writer in a transaction of their own.
extension SQLStore {
    public func writeReports<T: Sendable>(_ body: @escaping @Sendable (any ReportWriter) async throws -> T) async throws -> T {
        try await writeReports(named: #function, body)
    }

    /// `writeReports`, named in the counters after the single-report method that runs it.
    func writeReports<T: Sendable>(named operation: String, _ body: @escaping @Sendable (any ReportWriter) async throws -> T) async throws -> T {
        let (result, writer) = try await backend.transaction(named: operation) { db in
            let writer = SQLReportWriter(store: self, db: db)
            let result = try await body(writer)
            try await writer.writePending()
            return (result, writer)
        }
        // Wake-ups only once the writes are durable (a woken host must find them).
        let effects = writer.effects
        for host in effects.taskHosts { backend.taskCommitted(host: host) }
        if !effects.movedNetworks.isEmpty { backend.overlayCommitted(networks: effects.movedNetworks) }
        return result
    }
}

/// One transaction's report writes; see `ReportWriter`.
final class SQLReportWriter: ReportWriter, Sendable {
    struct Effects {
        /// Hosts a task was written for.
        var taskHosts: Set<String> = []
        /// Networks whose ports moved host with their container.
        var movedNetworks: [String] = []
    }

    private struct State {
        /// Containers this transaction read or changed, by uuid (nil: read and found missing).
        var containers: [String: Container?] = [:]
        /// Containers changed and not yet written: several reports on one container cost one write (and one
        /// encoding of its record), made before the transaction commits.
        var changed: [String] = []
        /// The changed containers as they were read, so that their write sets only the columns that changed.
        var asRead: [String: Container] = [:]
        /// Action ids by container uuid and request id (nil: no such action).
        var actionIDs: [String: Int64?] = [:]
        /// Events started and not yet written, in order: an event that also finishes in this transaction is
        /// written once, finished (a create and start report four event changes, now two statements).
        var startedEvents: [StartedEvent] = []
        var effects = Effects()
    }

    private struct StartedEvent {
        var actionID: Int64
        var event: String
        var at: Date
    }

    let store: SQLStore
    let db: any SQLDatabase
    private let state = NIOLockedValueBox(State())

    init(store: SQLStore, db: any SQLDatabase) {
        self.store = store
        self.db = db
    }

    var effects: Effects { state.withLockedValue { $0.effects } }

    func container(uuid: String) async throws -> Container? {
        if let known = state.withLockedValue({ $0.containers[uuid] }) { return known }
        // Locked on PostgreSQL: a report that reads a container usually changes it next.
        let container = try await db.run(
            "SELECT data FROM container WHERE uuid = \(bind: uuid)\(unsafeRaw: store.dialect.forUpdate)"
        ).first.map(SQLStore.decodeContainer)
        state.withLockedValue { $0.containers[uuid] = .some(container) }
        return container
    }

    func updateContainer(
        uuid: String, actions: [ContainerAction], tasks: [ComputeTask], _ change: @escaping @Sendable (inout Container) throws -> Void
    ) async throws -> Container? {
        guard var container = try await container(uuid: uuid) else { return nil }
        let host = container.host
        try change(&container)
        container.updatedAt = store.clock.now
        for action in actions { try await store.insertAction(action, db) }
        for task in tasks { try await store.insertTask(task, db) }
        // Its ports moved with it: every overlay host of its networks learns the new place.
        let moved = container.host != host
        if moved { try await store.overlayChanged(SQLStore.networkUUIDs(container), db) }
        state.withLockedValue { [container] state in
            if state.asRead[uuid] == nil, case .some(.some(let read)) = state.containers[uuid] { state.asRead[uuid] = read }
            state.containers[uuid] = .some(container)
            if !state.changed.contains(uuid) { state.changed.append(uuid) }
            state.effects.taskHosts.formUnion(tasks.map(\.host))
            if moved { state.effects.movedNetworks += SQLStore.networkUUIDs(container) }
        }
        return container
    }

    /// Writes what waits for the end of the transaction: events started and not finished, then every container
    /// changed, once each.
    func writePending() async throws {
        for started in state.withLockedValue({ state in defer { state.startedEvents = [] }; return state.startedEvents }) {
            try await insertEvent(started, finished: nil)
        }
        let changed = state.withLockedValue { state in
            defer {
                state.changed = []
                state.asRead = [:]
            }
            return state.changed.compactMap { uuid in (state.containers[uuid] ?? nil).map { ($0, state.asRead[uuid]) } }
        }
        for (container, asRead) in changed { try await store.writeContainer(container, previous: asRead, db) }
    }

    func taskHost(id: Int64) async throws -> String? {
        try await db.run("SELECT host FROM task WHERE id = \(bind: id)").first.flatMap { try $0.string("host") }
    }

    func tasks(containerUUID: String) async throws -> [ComputeTask] {
        try await SQLStore.tasks(containerUUID: containerUUID, db)
    }

    func finishTask(id: Int64, error: String?, at: Date) async throws {
        try await db.run(
            "UPDATE task SET state = \(bind: (error == nil ? ComputeTask.State.done : .failed).rawValue), finished_at = \(bind: at.timeIntervalSince1970), error = \(bind: error), lease_until = NULL WHERE id = \(bind: id)"
        )
    }

    func deferTask(id: Int64, until: Date) async throws {
        try await db.run("UPDATE task SET lease_until = \(bind: until.timeIntervalSince1970) WHERE id = \(bind: id) AND state = 'running'")
    }

    /// The id of the action `requestID` made on the container, read once per transaction.
    private func actionID(containerUUID: String, requestID: String) async throws -> Int64? {
        let key = "\(containerUUID) \(requestID)"
        if let known = state.withLockedValue({ $0.actionIDs[key] }) { return known }
        let id = try await SQLStore.findAction(containerUUID: containerUUID, requestID: requestID, db)?.id
        state.withLockedValue { $0.actionIDs[key] = .some(id) }
        return id
    }

    /// Held until the event finishes in this transaction or the transaction ends (`writePending`).
    func startEvent(containerUUID: String, requestID: String, event: String, at: Date) async throws {
        guard let actionID = try await actionID(containerUUID: containerUUID, requestID: requestID) else { return }
        state.withLockedValue { state in
            guard !state.startedEvents.contains(where: { $0.actionID == actionID && $0.event == event }) else { return }
            state.startedEvents.append(StartedEvent(actionID: actionID, event: event, at: at))
        }
    }

    /// Inserts an event, finished or not, unless one of its name is open on the action: a retried task resumes
    /// the event it started rather than opening a second one. True when it inserted.
    @discardableResult
    private func insertEvent(_ started: StartedEvent, finished: (at: Date, result: String, traceback: String?)?) async throws -> Bool {
        try await !db.run(
            """
            INSERT INTO container_actions_events (action_id, event, start_time, finish_time, result, traceback)
            SELECT \(bind: started.actionID), \(bind: started.event), \(bind: started.at.timeIntervalSince1970),
                   \(bind: finished?.at.timeIntervalSince1970), \(bind: finished?.result), \(bind: finished?.traceback)
            WHERE NOT EXISTS (SELECT 1 FROM container_actions_events
                              WHERE action_id = \(bind: started.actionID) AND event = \(bind: started.event) AND finish_time IS NULL)
            RETURNING id
            """
        ).isEmpty
    }

    func finishEvent(containerUUID: String, requestID: String, event: String, result: String, traceback: String?, at: Date) async throws {
        guard let actionID = try await actionID(containerUUID: containerUUID, requestID: requestID) else { return }
        // Started in this transaction: the events started before it are written first (ids keep their order),
        // then this one, finished. Should an earlier attempt have left it open, that row is finished instead.
        let held = state.withLockedValue { state -> (before: [StartedEvent], event: StartedEvent)? in
            guard let index = state.startedEvents.firstIndex(where: { $0.actionID == actionID && $0.event == event }) else { return nil }
            defer { state.startedEvents.removeFirst(index + 1) }
            return (Array(state.startedEvents[..<index]), state.startedEvents[index])
        }
        if let held {
            for started in held.before { try await insertEvent(started, finished: nil) }
            if try await insertEvent(held.event, finished: (at, result, traceback)) { return }
        }
        try await db.run(
            """
            UPDATE container_actions_events SET finish_time = \(bind: at.timeIntervalSince1970), result = \(bind: result), traceback = \(bind: traceback)
            WHERE action_id = \(bind: actionID) AND event = \(bind: event) AND finish_time IS NULL
            """
        )
    }

    func finishAction(containerUUID: String, requestID: String, failed: Bool, at: Date) async throws {
        try await db.run(
            """
            UPDATE container_actions SET finish_time = \(bind: at.timeIntervalSince1970), message = \(bind: failed ? "Error" : String?.none)
            WHERE container_uuid = \(bind: containerUUID) AND request_id = \(bind: requestID) AND finish_time IS NULL
            """
        )
    }

    /// One statement: the row is written only while the network exists, and written again (not duplicated)
    /// when a host reports the same network twice, as concurrent creates may.
    func recordNetworkRealized(uuid: String, host: String, dockerID: String, overlay: Bool) async throws {
        let written = try await db.run(
            """
            INSERT INTO network_host (network_uuid, host, docker_id, created_at, overlay)
            SELECT \(bind: uuid), \(bind: host), \(bind: dockerID), \(bind: store.clock.now.timeIntervalSince1970), \(bind: overlay ? 1 : 0)
            WHERE EXISTS (SELECT 1 FROM network WHERE uuid = \(bind: uuid))
            ON CONFLICT (network_uuid, host) DO UPDATE SET docker_id = excluded.docker_id, created_at = excluded.created_at, overlay = excluded.overlay
            RETURNING host
            """
        )
        if written.isEmpty { throw ZunError.resourceNotFound("Network", uuid) }
    }
}
