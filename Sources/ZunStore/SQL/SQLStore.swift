import Foundation
import Logging
import NIOConcurrencyHelpers
import SQLKit
import ZunCore

/// The store on SQL: one implementation for SQLite and PostgreSQL, with the differences in `SQLBackend`.
///
/// Containers and compute nodes keep their whole record as JSON in `data`, next to the columns that lists
/// filter and sort on; those columns are derived from the record on every write.
public final class SQLStore: ZunStore {
    let backend: any SQLBackend
    let logger: Logger
    private let onClose: @Sendable () async throws -> Void
    /// The last address allocated on each network (SQLite only, where this process is the one writer): the
    /// next create tries the address after it with a single insert, the unique index checking it.
    let addressHints = NIOLockedValueBox<[String: IPv4Address]>([:])

    init(backend: any SQLBackend, logger: Logger, onClose: @escaping @Sendable () async throws -> Void) {
        self.backend = backend
        self.logger = logger
        self.onClose = onClose
    }

    public var dialect: StoreDialect { backend.dialect }

    /// Closes the underlying connection (SQLite); the PostgreSQL pool ends with its `run()`.
    public func close() async throws { try await onClose() }

    static let migrationLockKey = 0x7a756e  // "zun"

    /// Applies every migration step not yet applied, in one transaction.
    func migrate() async throws {
        try await backend.transaction { db in
            if self.dialect == .postgres {
                // Serialise concurrent starters (API replicas, agents) on the migration, table creation included.
                try await db.rows("SELECT pg_advisory_xact_lock(?)", [Self.migrationLockKey])
            }
            try await db.rows("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            let current = try await db.rows("SELECT MAX(version) AS v FROM schema_version").first?.int("v") ?? 0
            for (index, step) in Migrations.steps(for: self.dialect).enumerated() where index + 1 > current {
                for statement in step { try await db.rows(statement) }
                try await db.rows("INSERT INTO schema_version (version) VALUES (?)", [index + 1])
                self.logger.info("applied store migration", metadata: ["version": "\(index + 1)"])
            }
        }
    }

    // MARK: Containers

    public func createContainer(_ container: Container, action: ContainerAction?, task: ComputeTask?) async throws {
        try await retryingConstraintRaces { try await self.backend.transaction { db in
            var container = container
            try await self.bindResources(&container, db)
            try await self.insertContainer(container, db)
            if let action { try await self.insertAction(action, db) }
            if let task { try await self.insertTask(task, db) }
        } }
        if let task { backend.taskCommitted(host: task.host) }
    }

    public func createContainer(_ container: Container, placement: Placement) async throws -> Container {
        // Retried when a concurrent create took the same address first (PostgreSQL's unique index).
        let placed: Container = try await retryingConstraintRaces { try await self.backend.transaction { db in
            var container = container
            try await self.bindResources(&container, db)
            if let host = try await self.firstFittingHost(placement, db) {
                container.host = host
                let (action, task) = placement.records(host)
                try await self.insertContainer(container, db)
                try await self.insertAction(action, db)
                try await self.insertTask(task, db)
                return container
            }
            guard placement.recordsFailure else { throw PlacementExhausted() }
            container.status = .error
            container.statusReason = placement.noHostReason
            try await self.insertContainer(container, db)
            return container
        } }
        if let host = placed.host { backend.taskCommitted(host: host) }
        return placed
    }

    /// The first candidate that still fits, each checked with its node row locked and its usage re-read in
    /// this transaction, so a concurrent placement on the same host waits for ours to commit. The lock on a
    /// candidate that does not fit is released at once (rolled back to a savepoint), so a transaction holds
    /// at most the one lock it keeps and placements ranking hosts in different orders cannot deadlock.
    private func firstFittingHost(_ placement: Placement, _ db: any SQLDatabase) async throws -> String? {
        for host in placement.candidates {
            try await db.rows("SAVEPOINT candidate")
            let nodes = try await db.rows("SELECT data FROM compute_node WHERE hostname = ?\(dialect.forUpdate)", [host])
            if let row = nodes.first {
                let service = try await db.rows("SELECT * FROM zun_service WHERE host = ? AND \"binary\" = 'zun-compute'", [host])
                    .first.map(Self.decodeService)
                if placement.fits(try Self.decodeNode(row), try await Self.usage(onHost: host, db), service) {
                    try await db.rows("RELEASE candidate")
                    return host
                }
            }
            try await db.rows("ROLLBACK TO candidate")
            try await db.rows("RELEASE candidate")
        }
        return nil
    }

    public func container(uuid: String) async throws -> Container? {
        try await backend.readEach { db in
            try await db.rows("SELECT data FROM container WHERE uuid = ?", [uuid]).first.map(Self.decodeContainer)
        }
    }

    public func containers(named name: String, projectID: String?) async throws -> [Container] {
        try await backend.readEach { db in
            var sql = "SELECT data FROM container WHERE name = ?"
            var binds: [any Encodable & Sendable] = [name]
            if let projectID {
                sql += " AND project_id = ?"
                binds.append(projectID)
            }
            return try await db.rows(sql + " ORDER BY id", binds).map(Self.decodeContainer)
        }
    }

    public func containers(onHost host: String) async throws -> [Container] {
        try await backend.read { db in
            try await db.rows("SELECT data FROM container WHERE host = ? ORDER BY id", [host]).map(Self.decodeContainer)
        }
    }

    public func listContainers(_ query: ContainerQuery) async throws -> [Container] {
        guard ContainerQuery.sortColumns.contains(query.sortKey) else {
            throw StoreError("unsupported sort key \(query.sortKey)")
        }
        return try await backend.readEach { db in
            var clauses: [String] = []
            var binds: [any Encodable & Sendable] = []
            for (column, value) in query.filters.sorted(by: { $0.key < $1.key }) {
                guard ContainerQuery.filterColumns.contains(column) else { throw StoreError("unsupported filter \(column)") }
                clauses.append("\(column) = ?")
                if column == "auto_remove" { binds.append(value == "true" ? 1 : 0) } else { binds.append(value) }
            }
            if let projectID = query.projectID {
                clauses.append("project_id = ?")
                binds.append(projectID)
            }
            let sort = Self.sortExpression(query.sortKey)
            let direction = query.ascending ? "ASC" : "DESC"
            if let marker = query.marker {
                // A marker outside the listed project is unknown, exactly like a uuid that does not exist:
                // otherwise paging would reveal other projects' containers and where their names sort.
                let markerRows = if let projectID = query.projectID {
                    try await db.rows("SELECT id FROM container WHERE uuid = ? AND project_id = ?", [marker, projectID])
                } else {
                    try await db.rows("SELECT id FROM container WHERE uuid = ?", [marker])
                }
                guard !markerRows.isEmpty else { throw ZunError.containerNotFound(marker) }
                // Keyset paging: after the marker's (sort value, id), compared in SQL so types never leave it.
                let op = query.ascending ? ">" : "<"
                let markerValue = "(SELECT \(sort) FROM container WHERE uuid = ?)"
                clauses.append(
                    "(\(sort) \(op) \(markerValue) OR (\(sort) = \(markerValue) AND id \(op) (SELECT id FROM container WHERE uuid = ?)))"
                )
                binds.append(contentsOf: [marker, marker, marker])
            }
            var sql = "SELECT data FROM container"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " ORDER BY \(sort) \(direction), id \(direction)"
            if let limit = query.limit { sql += " LIMIT \(limit)" }
            return try await db.rows(sql, binds).map(Self.decodeContainer)
        }
    }

    public func updateContainer(
        uuid: String, actions: [ContainerAction], tasks: [ComputeTask],
        _ change: @escaping @Sendable (inout Container) throws -> Void
    ) async throws -> Container? {
        let updated: Container? = try await backend.transaction { db in
            guard let row = try await db.rows(
                "SELECT data FROM container WHERE uuid = ?\(self.dialect.forUpdate)", [uuid]
            ).first else { return nil }
            var container = try Self.decodeContainer(row)
            try change(&container)
            container.updatedAt = Date()
            try await self.writeContainer(container, db)
            for action in actions { try await self.insertAction(action, db) }
            for task in tasks { try await self.insertTask(task, db) }
            return container
        }
        if updated != nil {
            for host in Set(tasks.map(\.host)) { backend.taskCommitted(host: host) }
        }
        return updated
    }

    public func destroyContainer(uuid: String) async throws {
        try await backend.transaction { db in
            let ports = try await db.rows("SELECT uuid FROM port WHERE container_uuid = ?", [uuid]).compactMap { try $0.string("uuid") }
            try await self.releasePorts(uuids: ports, db)
            try await self.unmapVolumes(containerUUID: uuid, db)
            try await db.rows("DELETE FROM container WHERE uuid = ?", [uuid])
        }
    }

    /// Ports and volume mappings of a new container, written in its create transaction.
    private func bindResources(_ container: inout Container, _ db: any SQLDatabase) async throws {
        try await bindPorts(&container, db)
        try await mapVolumes(&container, db)
    }

    public func hostUsage() async throws -> [String: HostUsage] {
        try await backend.read { db in
            var usage: [String: HostUsage] = [:]
            for row in try await db.rows("\(Self.usageSelect) GROUP BY host") {
                guard let host = try row.string("host") else { continue }
                usage[host] = try Self.decodeUsage(row)
            }
            return usage
        }
    }

    private static let usageSelect = """
        SELECT host, SUM(cpu) AS cpu, SUM(CAST(memory AS INTEGER)) AS memory, SUM(COALESCE(disk, 0)) AS disk,
               COUNT(*) AS n
        FROM container WHERE host IS NOT NULL AND status NOT IN ('Deleted', 'Error')
        """

    private static func usage(onHost host: String, _ db: any SQLDatabase) async throws -> HostUsage {
        try await db.rows("\(usageSelect) AND host = ? GROUP BY host", [host]).first.map(decodeUsage) ?? HostUsage()
    }

    private static func decodeUsage(_ row: any SQLRow) throws -> HostUsage {
        HostUsage(
            cpu: try row.double("cpu") ?? 0, memoryMB: try row.int("memory") ?? 0, diskGB: try row.int("disk") ?? 0,
            containers: try row.int("n") ?? 0
        )
    }

    func insertContainer(_ c: Container, _ db: any SQLDatabase) async throws {
        try await db.rows(
            """
            INSERT INTO container (uuid, name, project_id, user_id, image, status, task_state, host, memory, cpu, disk,
                                   auto_remove, created_at, updated_at, data)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [c.uuid] + columnBinds(c) + [c.createdAt.timeIntervalSince1970, c.updatedAt?.timeIntervalSince1970, try json(c)]
        )
    }

    func writeContainer(_ c: Container, _ db: any SQLDatabase) async throws {
        try await db.rows(
            """
            UPDATE container SET name = ?, project_id = ?, user_id = ?, image = ?, status = ?, task_state = ?, host = ?,
                                 memory = ?, cpu = ?, disk = ?, auto_remove = ?, updated_at = ?, data = ?
            WHERE uuid = ?
            """,
            columnBinds(c) + [c.updatedAt?.timeIntervalSince1970, try json(c), c.uuid]
        )
    }

    /// The indexed columns derived from a record, in table order from `name` to `auto_remove`.
    private func columnBinds(_ c: Container) -> [any Encodable & Sendable] {
        [
            c.name, c.projectID, c.userID, c.image, c.status.rawValue, c.taskState?.rawValue, c.host, c.memory, c.cpu,
            c.disk, c.autoRemove ? 1 : 0,
        ]
    }

    private static func sortExpression(_ key: String) -> String {
        switch key {
        case "id", "cpu", "disk", "auto_remove", "created_at", "updated_at": return "COALESCE(\(key), 0)"
        case "memory": return "CAST(memory AS INTEGER)"
        default: return "COALESCE(\(key), '')"
        }
    }

    static func decodeContainer(_ row: any SQLRow) throws -> Container {
        guard let text = try row.string("data") else { throw StoreError("container row without data") }
        return try decodedContainers.value(for: text) { try StoreCoding.decoder.decode(Container.self, from: Data($0.utf8)) }
    }

    /// Containers decoded from recently read rows (shared by every store of the process: a row's text alone
    /// decides what it decodes to).
    private static let decodedContainers = DecodedRecordCache<Container>(capacity: 2048)

    // MARK: Actions and events

    public func actions(containerUUID: String) async throws -> [ContainerAction] {
        try await backend.read { db in
            try await db.rows(
                "SELECT * FROM container_actions WHERE container_uuid = ? ORDER BY start_time DESC, id DESC", [containerUUID]
            ).map(Self.decodeAction)
        }
    }

    public func action(containerUUID: String, requestID: String) async throws -> ContainerAction? {
        try await backend.read { db in
            try await Self.findAction(containerUUID: containerUUID, requestID: requestID, db)
        }
    }

    public func events(actionID: Int64) async throws -> [ContainerActionEvent] {
        try await backend.read { db in
            try await db.rows(
                "SELECT * FROM container_actions_events WHERE action_id = ? ORDER BY start_time DESC, id DESC", [actionID]
            ).map { row in
                var event = ContainerActionEvent(
                    actionID: Int64(try row.int("action_id") ?? 0), event: try row.string("event") ?? "",
                    startTime: Date(timeIntervalSince1970: try row.double("start_time") ?? 0)
                )
                event.id = try row.int("id").map(Int64.init)
                event.finishTime = try row.double("finish_time").map(Date.init(timeIntervalSince1970:))
                event.result = try row.string("result")
                event.traceback = try row.string("traceback")
                return event
            }
        }
    }

    public func startEvent(containerUUID: String, requestID: String, event: String, at: Date) async throws {
        try await backend.transaction { db in
            guard let actionID = try await Self.findAction(containerUUID: containerUUID, requestID: requestID, db)?.id else {
                return
            }
            let open = try await db.rows(
                "SELECT id FROM container_actions_events WHERE action_id = ? AND event = ? AND finish_time IS NULL",
                [actionID, event]
            )
            if open.isEmpty {
                try await db.rows(
                    "INSERT INTO container_actions_events (action_id, event, start_time) VALUES (?, ?, ?)",
                    [actionID, event, at.timeIntervalSince1970]
                )
            }
        }
    }

    public func finishEvent(
        containerUUID: String, requestID: String, event: String, result: String, traceback: String?, at: Date
    ) async throws {
        try await backend.transaction { db in
            guard let actionID = try await Self.findAction(containerUUID: containerUUID, requestID: requestID, db)?.id else {
                return
            }
            try await db.rows(
                """
                UPDATE container_actions_events SET finish_time = ?, result = ?, traceback = ?
                WHERE action_id = ? AND event = ? AND finish_time IS NULL
                """,
                [at.timeIntervalSince1970, result, traceback, actionID, event]
            )
        }
    }

    public func finishAction(containerUUID: String, requestID: String, failed: Bool, at: Date) async throws {
        try await backend.transaction { db in
            try await db.rows(
                """
                UPDATE container_actions SET finish_time = ?, message = ?
                WHERE container_uuid = ? AND request_id = ? AND finish_time IS NULL
                """,
                [at.timeIntervalSince1970, failed ? "Error" : String?.none, containerUUID, requestID]
            )
        }
    }

    func insertAction(_ a: ContainerAction, _ db: any SQLDatabase) async throws {
        try await db.rows(
            """
            INSERT INTO container_actions (container_uuid, action, request_id, user_id, project_id, start_time,
                                           finish_time, message)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                a.containerUUID, a.action, a.requestID, a.userID, a.projectID, a.startTime.timeIntervalSince1970,
                a.finishTime?.timeIntervalSince1970, a.message,
            ]
        )
    }

    private static func findAction(containerUUID: String, requestID: String, _ db: any SQLDatabase) async throws
        -> ContainerAction?
    {
        try await db.rows(
            "SELECT * FROM container_actions WHERE container_uuid = ? AND request_id = ? ORDER BY id DESC LIMIT 1",
            [containerUUID, requestID]
        ).first.map(decodeAction)
    }

    private static func decodeAction(_ row: any SQLRow) throws -> ContainerAction {
        var action = ContainerAction(
            action: try row.string("action") ?? "", containerUUID: try row.string("container_uuid") ?? "",
            requestID: try row.string("request_id") ?? "", userID: try row.string("user_id") ?? "",
            projectID: try row.string("project_id") ?? "",
            startTime: Date(timeIntervalSince1970: try row.double("start_time") ?? 0)
        )
        action.id = try row.int("id").map(Int64.init)
        action.finishTime = try row.double("finish_time").map(Date.init(timeIntervalSince1970:))
        action.message = try row.string("message")
        return action
    }

    // MARK: Compute nodes and services

    public func saveComputeNode(_ node: ComputeNode) async throws {
        try await backend.transaction { db in
            try await db.rows(
                """
                INSERT INTO compute_node (uuid, hostname, data, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(hostname) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at
                """,
                [node.uuid, node.hostname, try json(node), Date().timeIntervalSince1970]
            )
        }
    }

    public func computeNodes() async throws -> [ComputeNode] {
        try await backend.read { db in
            try await db.rows("SELECT data, updated_at FROM compute_node ORDER BY id").map(Self.decodeNode)
        }
    }

    public func computeNodes(updatedSince since: Double) async throws -> [ComputeNode] {
        try await backend.read { db in
            try await db.rows("SELECT data, updated_at FROM compute_node WHERE updated_at >= ? ORDER BY id", [since]).map(Self.decodeNode)
        }
    }

    public func computeNode(ident: String) async throws -> ComputeNode? {
        try await backend.read { db in
            try await db.rows(
                "SELECT data FROM compute_node WHERE uuid = ? OR hostname = ? ORDER BY id LIMIT 1", [ident, ident]
            ).first.map(Self.decodeNode)
        }
    }

    private static func decodeNode(_ row: any SQLRow) throws -> ComputeNode {
        guard let text = try row.string("data") else { throw StoreError("compute node row without data") }
        var node = try StoreCoding.decoder.decode(ComputeNode.self, from: Data(text.utf8))
        if row.contains(column: "updated_at"), let stamp = try row.double("updated_at") {
            node.updatedAt = Date(timeIntervalSince1970: stamp)
        }
        return node
    }

    public func heartbeat(host: String, binary: String, availabilityZone: String, endpoint: String?, at: Date) async throws
        -> ZunService
    {
        try await backend.transaction { db in
            let seen = at.timeIntervalSince1970
            // `updated_at` is stamped when the write runs, not when it was asked for: a heartbeat that waited
            // behind other writes must not carry a stamp older than rows already committed, or the API's
            // incremental host refresh (rows changed since the newest stamp it saw) would skip it.
            let stamp = max(seen, Date().timeIntervalSince1970)
            try await db.rows(
                """
                INSERT INTO zun_service (host, "binary", availability_zone, endpoint, report_count, last_seen_up,
                                         created_at, updated_at)
                VALUES (?, ?, ?, ?, 1, ?, ?, ?)
                ON CONFLICT(host, "binary") DO UPDATE SET report_count = zun_service.report_count + 1,
                    last_seen_up = excluded.last_seen_up, updated_at = excluded.updated_at,
                    availability_zone = excluded.availability_zone, endpoint = excluded.endpoint
                """,
                [host, binary, availabilityZone, endpoint, seen, stamp, stamp]
            )
            guard let row = try await db.rows(
                "SELECT * FROM zun_service WHERE host = ? AND \"binary\" = ?", [host, binary]
            ).first else { throw StoreError("service vanished during heartbeat") }
            return try Self.decodeService(row)
        }
    }

    public func services() async throws -> [ZunService] {
        try await backend.read { db in
            try await db.rows("SELECT * FROM zun_service ORDER BY id").map(Self.decodeService)
        }
    }

    public func services(updatedSince since: Double) async throws -> [ZunService] {
        try await backend.read { db in
            try await db.rows("SELECT * FROM zun_service WHERE updated_at >= ? ORDER BY id", [since]).map(Self.decodeService)
        }
    }

    public func updateService(host: String, binary: String, _ change: @escaping @Sendable (inout ZunService) -> Void) async throws
        -> ZunService?
    {
        try await backend.transaction { db in
            guard let row = try await db.rows(
                "SELECT * FROM zun_service WHERE host = ? AND \"binary\" = ?\(self.dialect.forUpdate)", [host, binary]
            ).first else { return nil }
            var service = try Self.decodeService(row)
            change(&service)
            service.updatedAt = Date()
            try await db.rows(
                """
                UPDATE zun_service SET disabled = ?, disabled_reason = ?, forced_down = ?, updated_at = ?
                WHERE host = ? AND "binary" = ?
                """,
                [
                    service.disabled ? 1 : 0, service.disabledReason, service.forcedDown ? 1 : 0,
                    service.updatedAt?.timeIntervalSince1970, host, binary,
                ]
            )
            return service
        }
    }

    public func deleteService(host: String, binary: String) async throws -> Bool {
        try await backend.transaction { db in
            let found = try await db.rows(
                "SELECT id FROM zun_service WHERE host = ? AND \"binary\" = ?", [host, binary]
            )
            guard !found.isEmpty else { return false }
            try await db.rows("DELETE FROM zun_service WHERE host = ? AND \"binary\" = ?", [host, binary])
            if binary == "zun-compute" { try await db.rows("DELETE FROM compute_node WHERE hostname = ?", [host]) }
            return true
        }
    }

    private static func decodeService(_ row: any SQLRow) throws -> ZunService {
        var service = ZunService(host: try row.string("host") ?? "", binary: try row.string("binary") ?? "")
        service.id = try row.int("id").map(Int64.init)
        service.disabled = (try row.int("disabled") ?? 0) != 0
        service.disabledReason = try row.string("disabled_reason")
        service.forcedDown = (try row.int("forced_down") ?? 0) != 0
        service.reportCount = try row.int("report_count") ?? 0
        service.lastSeenUp = try row.double("last_seen_up").map(Date.init(timeIntervalSince1970:))
        service.availabilityZone = try row.string("availability_zone")
        service.endpoint = try row.string("endpoint")
        service.createdAt = try row.double("created_at").map(Date.init(timeIntervalSince1970:))
        service.updatedAt = try row.double("updated_at").map(Date.init(timeIntervalSince1970:))
        return service
    }

    // MARK: Tasks

    func insertTask(_ t: ComputeTask, _ db: any SQLDatabase) async throws {
        try await db.rows(
            """
            INSERT INTO task (host, container_uuid, kind, payload, state, attempts, created_at)
            VALUES (?, ?, ?, ?, ?, 0, ?)
            """,
            [t.host, t.containerUUID, t.kind.rawValue, try json(t.payload), ComputeTask.State.pending.rawValue, t.createdAt.timeIntervalSince1970]
        )
        try await backend.taskWritten(host: t.host, in: db)
    }

    public func claimTask(host: String, owner: String, leaseUntil: Date, now: Date, lanes: Set<ComputeTask.Lane>?) async throws -> ComputeTask? {
        // The kinds come from the lanes (never from a request); each is still bound, not spliced in.
        let kinds = lanes.map { $0.flatMap(\.kinds).map(\.rawValue).sorted() }
        if kinds?.isEmpty == true { return nil }
        let kindFilter = kinds.map { " AND t.kind IN (" + Array(repeating: "?", count: $0.count).joined(separator: ", ") + ")" } ?? ""
        let binds: [any Encodable & Sendable] = [host, now.timeIntervalSince1970] + (kinds ?? []).map { $0 as any Encodable & Sendable }
        return try await backend.transaction { db in
            let rows = try await db.rows(
                """
                SELECT * FROM task t
                WHERE t.host = ? AND (t.state = 'pending' OR (t.state = 'running' AND t.lease_until < ?))\(kindFilter)
                  AND NOT EXISTS (SELECT 1 FROM task p WHERE p.container_uuid = t.container_uuid AND p.id < t.id
                                  AND p.state IN ('pending', 'running'))
                ORDER BY t.id LIMIT 1\(self.dialect.skipLocked)
                """,
                binds
            )
            guard let row = rows.first else { return nil }
            var task = try Self.decodeTask(row)
            task.state = .running
            task.attempts += 1
            task.leaseOwner = owner
            task.leaseUntil = leaseUntil
            try await db.rows(
                "UPDATE task SET state = 'running', attempts = ?, lease_owner = ?, lease_until = ? WHERE id = ?",
                [task.attempts, owner, leaseUntil.timeIntervalSince1970, task.id!]
            )
            return task
        }
    }

    public func finishTask(id: Int64, error: String?, at: Date) async throws {
        try await backend.transaction { db in
            try await db.rows(
                "UPDATE task SET state = ?, finished_at = ?, error = ?, lease_until = NULL WHERE id = ?",
                [(error == nil ? ComputeTask.State.done : .failed).rawValue, at.timeIntervalSince1970, error, id]
            )
        }
    }

    public func deferTask(id: Int64, until: Date) async throws {
        try await backend.transaction { db in
            try await db.rows("UPDATE task SET lease_until = ? WHERE id = ? AND state = 'running'", [until.timeIntervalSince1970, id])
        }
    }

    public func releaseTasks(host: String) async throws {
        try await backend.transaction { db in
            try await db.rows(
                """
                UPDATE task SET state = 'pending', lease_owner = NULL, lease_until = NULL, interruptions = interruptions + 1
                WHERE host = ? AND state = 'running'
                """,
                [host]
            )
        }
    }

    public func tasks(containerUUID: String) async throws -> [ComputeTask] {
        try await backend.read { db in
            try await db.rows("SELECT * FROM task WHERE container_uuid = ? ORDER BY id", [containerUUID]).map(Self.decodeTask)
        }
    }

    public func unfinishedTasks() async throws -> [ComputeTask] {
        try await backend.read { db in
            try await db.rows("SELECT * FROM task WHERE state IN ('pending', 'running') ORDER BY id").map(Self.decodeTask)
        }
    }

    public func rescheduleTask(
        id: Int64, fromHost: String, placement: Placement, _ change: @escaping @Sendable (inout Container, String) -> Void
    ) async throws -> String? {
        let moved: String? = try await backend.transaction { db in
            guard let row = try await db.rows("SELECT * FROM task WHERE id = ?\(self.dialect.forUpdate)", [id]).first else {
                return nil
            }
            let task = try Self.decodeTask(row)
            // A claimed task may be running on a host that only looks dead (a slow heartbeat): moving it would
            // have two hosts create the container. Only work nobody started moves.
            guard task.host == fromHost, task.state == .pending else { return nil }
            let containerRow = try await db.rows(
                "SELECT data FROM container WHERE uuid = ?\(self.dialect.forUpdate)", [task.containerUUID]
            ).first
            let container = try containerRow.map(Self.decodeContainer)
            guard container?.containerID == nil else { return nil }
            guard let host = try await self.firstFittingHost(placement, db) else { return nil }
            var payload = task.payload
            payload.rescheduledFrom = task.host
            try await db.rows(
                "UPDATE task SET host = ?, payload = ?, state = 'pending', lease_owner = NULL, lease_until = NULL WHERE id = ?",
                [host, try json(payload), id]
            )
            if var container {
                change(&container, host)
                container.updatedAt = Date()
                try await self.writeContainer(container, db)
            }
            try await self.backend.taskWritten(host: host, in: db)
            return host
        }
        if let moved { backend.taskCommitted(host: moved) }
        return moved
    }

    public func abandonTask(id: Int64, fromHost: String, error: String, at: Date) async throws -> Bool {
        try await backend.transaction { db in
            let rows = try await db.rows(
                """
                UPDATE task SET state = 'failed', finished_at = ?, error = ?, lease_until = NULL
                WHERE id = ? AND host = ? AND state IN ('pending', 'running') RETURNING id
                """,
                [at.timeIntervalSince1970, error, id, fromHost]
            )
            return !rows.isEmpty
        }
    }

    public func waitForTasks(host: String, timeout: Duration) async {
        await backend.waitForTasks(host: host, timeout: timeout)
    }

    private static func decodeTask(_ row: any SQLRow) throws -> ComputeTask {
        guard let kind = try row.string("kind").flatMap(ComputeTask.Kind.init(rawValue:)),
              let payloadText = try row.string("payload")
        else { throw StoreError("malformed task row") }
        var task = ComputeTask(
            host: try row.string("host") ?? "", containerUUID: try row.string("container_uuid") ?? "", kind: kind,
            payload: try StoreCoding.decoder.decode(ComputeTask.Payload.self, from: Data(payloadText.utf8)),
            createdAt: Date(timeIntervalSince1970: try row.double("created_at") ?? 0)
        )
        task.id = try row.int("id").map(Int64.init)
        task.state = try row.string("state").flatMap(ComputeTask.State.init(rawValue:)) ?? .pending
        task.attempts = try row.int("attempts") ?? 0
        task.interruptions = try row.int("interruptions") ?? 0
        task.leaseOwner = try row.string("lease_owner")
        task.leaseUntil = try row.double("lease_until").map(Date.init(timeIntervalSince1970:))
        task.finishedAt = try row.double("finished_at").map(Date.init(timeIntervalSince1970:))
        task.error = try row.string("error")
        return task
    }
}

func json(_ value: some Encodable) throws -> String {
    String(decoding: try StoreCoding.encoder.encode(value), as: UTF8.self)
}

/// JSON coding of records kept in `data` columns.
enum StoreCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }()
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()
}
