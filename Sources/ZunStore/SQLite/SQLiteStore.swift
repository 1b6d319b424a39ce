import Foundation
import Logging
import NIOCore
import SQLiteNIO
import ZunCore

/// The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, so a commit survives a crash.
///
/// All statements go through one connection, one transaction at a time (`AsyncMutex`): SQLite allows a
/// single writer anyway, and this makes every read-modify-write atomic.
public final class SQLiteStore: ZunStore {
    let connection: SQLiteConnection
    private let mutex = AsyncMutex()
    private let wakeups = TaskWakeups()
    private let logger: Logger

    private init(connection: SQLiteConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Opens (creating if needed) the database file and runs pending migrations.
    public static func open(path: String, logger: Logger) async throws -> SQLiteStore {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let store = SQLiteStore(connection: connection, logger: logger)
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"] {
            _ = try await connection.query(pragma)
        }
        try await store.migrate()
        return store
    }

    public func close() async throws {
        try await connection.close()
    }

    // MARK: Plumbing

    private func migrate() async throws {
        try await transaction { db in
            _ = try await db.query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            let current = try await db.query("SELECT MAX(version) AS v FROM schema_version").first?.column("v")?.integer ?? 0
            for (index, step) in SQLiteMigrations.steps.enumerated() where index + 1 > current {
                for statement in step { _ = try await db.query(statement) }
                _ = try await db.query("INSERT INTO schema_version (version) VALUES (?)", [.integer(index + 1)])
                self.logger.info("applied store migration", metadata: ["version": "\(index + 1)"])
            }
        }
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back on error.
    func transaction<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await mutex.withLock {
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                let result = try await body(connection)
                _ = try await connection.query("COMMIT")
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs read-only statements, serialised with the writers.
    func read<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await mutex.withLock { try await body(connection) }
    }

    // MARK: Containers

    public func createContainer(_ container: Container, action: ContainerAction?, task: ComputeTask?) async throws {
        try await transaction { db in
            try await self.insertContainer(container, db)
            if let action { try await self.insertAction(action, db) }
            if let task { try await self.insertTask(task, db) }
        }
        if let task { wakeups.signal(host: task.host) }
    }

    public func container(uuid: String) async throws -> Container? {
        try await read { db in
            try await db.query("SELECT data FROM container WHERE uuid = ?", [.text(uuid)]).first.map(Self.decodeContainer)
        }
    }

    public func containers(named name: String, projectID: String?) async throws -> [Container] {
        try await read { db in
            var sql = "SELECT data FROM container WHERE name = ?"
            var binds: [SQLiteData] = [.text(name)]
            if let projectID {
                sql += " AND project_id = ?"
                binds.append(.text(projectID))
            }
            return try await db.query(sql + " ORDER BY id", binds).map(Self.decodeContainer)
        }
    }

    public func containers(onHost host: String) async throws -> [Container] {
        try await read { db in
            try await db.query("SELECT data FROM container WHERE host = ? ORDER BY id", [.text(host)]).map(Self.decodeContainer)
        }
    }

    public func listContainers(_ query: ContainerQuery) async throws -> [Container] {
        guard ContainerQuery.sortColumns.contains(query.sortKey) else {
            throw StoreError("unsupported sort key \(query.sortKey)")
        }
        return try await read { db in
            var clauses: [String] = []
            var binds: [SQLiteData] = []
            for (column, value) in query.filters.sorted(by: { $0.key < $1.key }) {
                guard ContainerQuery.filterColumns.contains(column) else { throw StoreError("unsupported filter \(column)") }
                clauses.append("\(column) = ?")
                binds.append(column == "auto_remove" ? .integer(value == "true" ? 1 : 0) : .text(value))
            }
            if let projectID = query.projectID {
                clauses.append("project_id = ?")
                binds.append(.text(projectID))
            }
            let sortExpression = Self.sortExpression(query.sortKey)
            let direction = query.ascending ? "ASC" : "DESC"
            if let marker = query.marker {
                let rows = try await db.query(
                    "SELECT id, \(sortExpression) AS sort_value FROM container WHERE uuid = ?", [.text(marker)]
                )
                guard let row = rows.first, let markerID = row.column("id") else {
                    throw ZunError.containerNotFound(marker)
                }
                let markerValue = row.column("sort_value") ?? .null
                let op = query.ascending ? ">" : "<"
                clauses.append("(\(sortExpression) \(op) ? OR (\(sortExpression) = ? AND id \(op) ?))")
                binds.append(contentsOf: [markerValue, markerValue, markerID])
            }
            var sql = "SELECT data FROM container"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " ORDER BY \(sortExpression) \(direction), id \(direction)"
            if let limit = query.limit { sql += " LIMIT \(limit)" }
            return try await db.query(sql, binds).map(Self.decodeContainer)
        }
    }

    public func updateContainer(
        uuid: String, actions: [ContainerAction], tasks: [ComputeTask],
        _ change: @Sendable (inout Container) throws -> Void
    ) async throws -> Container? {
        let updated: Container? = try await transaction { db in
            guard let row = try await db.query("SELECT data FROM container WHERE uuid = ?", [.text(uuid)]).first else {
                return nil
            }
            var container = try Self.decodeContainer(row)
            try change(&container)
            container.updatedAt = Date()
            try await self.writeContainer(container, db)
            for action in actions { try await self.insertAction(action, db) }
            for task in tasks { try await self.insertTask(task, db) }
            return container
        }
        if updated != nil {
            for host in Set(tasks.map(\.host)) { wakeups.signal(host: host) }
        }
        return updated
    }

    public func destroyContainer(uuid: String) async throws {
        try await transaction { db in
            _ = try await db.query("DELETE FROM container WHERE uuid = ?", [.text(uuid)])
        }
    }

    public func hostUsage() async throws -> [String: HostUsage] {
        try await read { db in
            let rows = try await db.query(
                """
                SELECT host, SUM(cpu) AS cpu, SUM(CAST(memory AS INTEGER)) AS memory, SUM(COALESCE(disk, 0)) AS disk,
                       COUNT(*) AS n
                FROM container WHERE host IS NOT NULL AND status NOT IN ('Deleted', 'Error') GROUP BY host
                """
            )
            var usage: [String: HostUsage] = [:]
            for row in rows {
                guard let host = row.column("host")?.string else { continue }
                usage[host] = HostUsage(
                    cpu: row.column("cpu")?.double ?? 0, memoryMB: row.column("memory")?.integer ?? 0,
                    diskGB: row.column("disk")?.integer ?? 0, containers: row.column("n")?.integer ?? 0
                )
            }
            return usage
        }
    }

    private func insertContainer(_ c: Container, _ db: SQLiteConnection) async throws {
        _ = try await db.query(
            """
            INSERT INTO container (uuid, name, project_id, user_id, image, status, task_state, host, memory, cpu, disk,
                                   auto_remove, created_at, updated_at, data)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(c.uuid)] + columnBinds(c) + [.float(c.createdAt.timeIntervalSince1970), date(c.updatedAt), try json(c)]
        )
    }

    private func writeContainer(_ c: Container, _ db: SQLiteConnection) async throws {
        _ = try await db.query(
            """
            UPDATE container SET name = ?, project_id = ?, user_id = ?, image = ?, status = ?, task_state = ?, host = ?,
                                 memory = ?, cpu = ?, disk = ?, auto_remove = ?, updated_at = ?, data = ?
            WHERE uuid = ?
            """,
            columnBinds(c) + [date(c.updatedAt), try json(c), .text(c.uuid)]
        )
    }

    /// The indexed columns derived from a record, in table order from `name` to `auto_remove`.
    private func columnBinds(_ c: Container) -> [SQLiteData] {
        [
            .text(c.name), .text(c.projectID), .text(c.userID), .text(c.image), .text(c.status.rawValue),
            text(c.taskState?.rawValue), text(c.host), .text(c.memory), .float(c.cpu),
            c.disk.map { .integer($0) } ?? .null, .integer(c.autoRemove ? 1 : 0),
        ]
    }

    private static func sortExpression(_ key: String) -> String {
        switch key {
        case "id", "cpu", "disk", "auto_remove", "created_at", "updated_at": return "COALESCE(\(key), 0)"
        case "memory": return "CAST(memory AS INTEGER)"
        default: return "COALESCE(\(key), '')"
        }
    }

    static func decodeContainer(_ row: SQLiteRow) throws -> Container {
        guard let text = row.column("data")?.string else { throw StoreError("container row without data") }
        return try StoreCoding.decoder.decode(Container.self, from: Data(text.utf8))
    }

    // MARK: Actions and events

    public func actions(containerUUID: String) async throws -> [ContainerAction] {
        try await read { db in
            try await db.query(
                "SELECT * FROM container_actions WHERE container_uuid = ? ORDER BY start_time DESC, id DESC",
                [.text(containerUUID)]
            ).map(Self.decodeAction)
        }
    }

    public func action(containerUUID: String, requestID: String) async throws -> ContainerAction? {
        try await read { db in
            try await Self.findAction(containerUUID: containerUUID, requestID: requestID, db)
        }
    }

    public func events(actionID: Int64) async throws -> [ContainerActionEvent] {
        try await read { db in
            try await db.query(
                "SELECT * FROM container_actions_events WHERE action_id = ? ORDER BY start_time DESC, id DESC",
                [.integer(Int(actionID))]
            ).map { row in
                var event = ContainerActionEvent(
                    actionID: Int64(row.column("action_id")?.integer ?? 0), event: row.column("event")?.string ?? "",
                    startTime: Date(timeIntervalSince1970: row.column("start_time")?.double ?? 0)
                )
                event.id = row.column("id")?.integer.map(Int64.init)
                event.finishTime = row.column("finish_time")?.double.map(Date.init(timeIntervalSince1970:))
                event.result = row.column("result")?.string
                event.traceback = row.column("traceback")?.string
                return event
            }
        }
    }

    public func startEvent(containerUUID: String, requestID: String, event: String, at: Date) async throws {
        try await transaction { db in
            guard let action = try await Self.findAction(containerUUID: containerUUID, requestID: requestID, db),
                  let actionID = action.id
            else { return }
            let open = try await db.query(
                "SELECT id FROM container_actions_events WHERE action_id = ? AND event = ? AND finish_time IS NULL",
                [.integer(Int(actionID)), .text(event)]
            )
            if open.isEmpty {
                _ = try await db.query(
                    "INSERT INTO container_actions_events (action_id, event, start_time) VALUES (?, ?, ?)",
                    [.integer(Int(actionID)), .text(event), .float(at.timeIntervalSince1970)]
                )
            }
        }
    }

    public func finishEvent(
        containerUUID: String, requestID: String, event: String, result: String, traceback: String?, at: Date
    ) async throws {
        try await transaction { db in
            guard let action = try await Self.findAction(containerUUID: containerUUID, requestID: requestID, db),
                  let actionID = action.id
            else { return }
            _ = try await db.query(
                """
                UPDATE container_actions_events SET finish_time = ?, result = ?, traceback = ?
                WHERE action_id = ? AND event = ? AND finish_time IS NULL
                """,
                [.float(at.timeIntervalSince1970), .text(result), text(traceback), .integer(Int(actionID)), .text(event)]
            )
        }
    }

    public func finishAction(containerUUID: String, requestID: String, failed: Bool, at: Date) async throws {
        try await transaction { db in
            _ = try await db.query(
                """
                UPDATE container_actions SET finish_time = ?, message = ?
                WHERE container_uuid = ? AND request_id = ? AND finish_time IS NULL
                """,
                [.float(at.timeIntervalSince1970), failed ? .text("Error") : .null, .text(containerUUID), .text(requestID)]
            )
        }
    }

    private func insertAction(_ a: ContainerAction, _ db: SQLiteConnection) async throws {
        _ = try await db.query(
            """
            INSERT INTO container_actions (container_uuid, action, request_id, user_id, project_id, start_time,
                                           finish_time, message)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(a.containerUUID), .text(a.action), .text(a.requestID), .text(a.userID), .text(a.projectID),
                .float(a.startTime.timeIntervalSince1970), date(a.finishTime), text(a.message),
            ]
        )
    }

    private static func findAction(containerUUID: String, requestID: String, _ db: SQLiteConnection) async throws
        -> ContainerAction?
    {
        try await db.query(
            "SELECT * FROM container_actions WHERE container_uuid = ? AND request_id = ? ORDER BY id DESC LIMIT 1",
            [.text(containerUUID), .text(requestID)]
        ).first.map(decodeAction)
    }

    private static func decodeAction(_ row: SQLiteRow) -> ContainerAction {
        var action = ContainerAction(
            action: row.column("action")?.string ?? "", containerUUID: row.column("container_uuid")?.string ?? "",
            requestID: row.column("request_id")?.string ?? "", userID: row.column("user_id")?.string ?? "",
            projectID: row.column("project_id")?.string ?? "",
            startTime: Date(timeIntervalSince1970: row.column("start_time")?.double ?? 0)
        )
        action.id = row.column("id")?.integer.map(Int64.init)
        action.finishTime = row.column("finish_time")?.double.map(Date.init(timeIntervalSince1970:))
        action.message = row.column("message")?.string
        return action
    }

    // MARK: Compute nodes and services

    public func saveComputeNode(_ node: ComputeNode) async throws {
        try await transaction { db in
            _ = try await db.query(
                """
                INSERT INTO compute_node (uuid, hostname, data, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(hostname) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at
                """,
                [.text(node.uuid), .text(node.hostname), try json(node), .float(Date().timeIntervalSince1970)]
            )
        }
    }

    public func computeNodes() async throws -> [ComputeNode] {
        try await read { db in
            try await db.query("SELECT data FROM compute_node ORDER BY id").map(Self.decodeNode)
        }
    }

    public func computeNode(ident: String) async throws -> ComputeNode? {
        try await read { db in
            try await db.query(
                "SELECT data FROM compute_node WHERE uuid = ? OR hostname = ? ORDER BY id LIMIT 1",
                [.text(ident), .text(ident)]
            ).first.map(Self.decodeNode)
        }
    }

    private static func decodeNode(_ row: SQLiteRow) throws -> ComputeNode {
        guard let text = row.column("data")?.string else { throw StoreError("compute node row without data") }
        return try StoreCoding.decoder.decode(ComputeNode.self, from: Data(text.utf8))
    }

    public func heartbeat(host: String, binary: String, availabilityZone: String, at: Date) async throws -> ZunService {
        try await transaction { db in
            let now = SQLiteData.float(at.timeIntervalSince1970)
            _ = try await db.query(
                """
                INSERT INTO zun_service (host, binary, availability_zone, report_count, last_seen_up, created_at, updated_at)
                VALUES (?, ?, ?, 1, ?, ?, ?)
                ON CONFLICT(host, binary) DO UPDATE SET report_count = report_count + 1, last_seen_up = excluded.last_seen_up,
                    updated_at = excluded.updated_at, availability_zone = excluded.availability_zone
                """,
                [.text(host), .text(binary), .text(availabilityZone), now, now, now]
            )
            let rows = try await db.query(
                "SELECT * FROM zun_service WHERE host = ? AND binary = ?", [.text(host), .text(binary)]
            )
            guard let row = rows.first else { throw StoreError("service vanished during heartbeat") }
            return Self.decodeService(row)
        }
    }

    public func services() async throws -> [ZunService] {
        try await read { db in
            try await db.query("SELECT * FROM zun_service ORDER BY id").map(Self.decodeService)
        }
    }

    private static func decodeService(_ row: SQLiteRow) -> ZunService {
        var service = ZunService(host: row.column("host")?.string ?? "", binary: row.column("binary")?.string ?? "")
        service.id = row.column("id")?.integer.map(Int64.init)
        service.disabled = row.column("disabled")?.bool ?? false
        service.disabledReason = row.column("disabled_reason")?.string
        service.forcedDown = row.column("forced_down")?.bool ?? false
        service.reportCount = row.column("report_count")?.integer ?? 0
        service.lastSeenUp = row.column("last_seen_up")?.double.map(Date.init(timeIntervalSince1970:))
        service.availabilityZone = row.column("availability_zone")?.string
        service.createdAt = row.column("created_at")?.double.map(Date.init(timeIntervalSince1970:))
        service.updatedAt = row.column("updated_at")?.double.map(Date.init(timeIntervalSince1970:))
        return service
    }

    // MARK: Tasks

    private func insertTask(_ t: ComputeTask, _ db: SQLiteConnection) async throws {
        _ = try await db.query(
            """
            INSERT INTO task (host, container_uuid, kind, payload, state, attempts, created_at)
            VALUES (?, ?, ?, ?, ?, 0, ?)
            """,
            [
                .text(t.host), .text(t.containerUUID), .text(t.kind.rawValue), try json(t.payload),
                .text(ComputeTask.State.pending.rawValue), .float(t.createdAt.timeIntervalSince1970),
            ]
        )
    }

    public func claimTask(host: String, owner: String, leaseUntil: Date, now: Date) async throws -> ComputeTask? {
        try await transaction { db in
            let rows = try await db.query(
                """
                SELECT * FROM task t
                WHERE t.host = ? AND (t.state = 'pending' OR (t.state = 'running' AND t.lease_until < ?))
                  AND NOT EXISTS (SELECT 1 FROM task p WHERE p.container_uuid = t.container_uuid AND p.id < t.id
                                  AND p.state IN ('pending', 'running'))
                ORDER BY t.id LIMIT 1
                """,
                [.text(host), .float(now.timeIntervalSince1970)]
            )
            guard let row = rows.first else { return nil }
            var task = try Self.decodeTask(row)
            task.state = .running
            task.attempts += 1
            task.leaseOwner = owner
            task.leaseUntil = leaseUntil
            _ = try await db.query(
                "UPDATE task SET state = 'running', attempts = ?, lease_owner = ?, lease_until = ? WHERE id = ?",
                [.integer(task.attempts), .text(owner), .float(leaseUntil.timeIntervalSince1970), .integer(Int(task.id!))]
            )
            return task
        }
    }

    public func finishTask(id: Int64, error: String?, at: Date) async throws {
        try await transaction { db in
            _ = try await db.query(
                "UPDATE task SET state = ?, finished_at = ?, error = ?, lease_until = NULL WHERE id = ?",
                [
                    .text((error == nil ? ComputeTask.State.done : .failed).rawValue), .float(at.timeIntervalSince1970),
                    text(error), .integer(Int(id)),
                ]
            )
        }
    }

    public func releaseTasks(host: String) async throws {
        try await transaction { db in
            _ = try await db.query(
                "UPDATE task SET state = 'pending', lease_owner = NULL, lease_until = NULL WHERE host = ? AND state = 'running'",
                [.text(host)]
            )
        }
    }

    public func tasks(containerUUID: String) async throws -> [ComputeTask] {
        try await read { db in
            try await db.query("SELECT * FROM task WHERE container_uuid = ? ORDER BY id", [.text(containerUUID)])
                .map(Self.decodeTask)
        }
    }

    public func waitForTasks(host: String, timeout: Duration) async {
        await wakeups.wait(host: host, timeout: timeout)
    }

    private static func decodeTask(_ row: SQLiteRow) throws -> ComputeTask {
        guard let kind = row.column("kind")?.string.flatMap(ComputeTask.Kind.init(rawValue:)),
              let payloadText = row.column("payload")?.string
        else { throw StoreError("malformed task row") }
        var task = ComputeTask(
            host: row.column("host")?.string ?? "", containerUUID: row.column("container_uuid")?.string ?? "",
            kind: kind, payload: try StoreCoding.decoder.decode(ComputeTask.Payload.self, from: Data(payloadText.utf8)),
            createdAt: Date(timeIntervalSince1970: row.column("created_at")?.double ?? 0)
        )
        task.id = row.column("id")?.integer.map(Int64.init)
        task.state = row.column("state")?.string.flatMap(ComputeTask.State.init(rawValue:)) ?? .pending
        task.attempts = row.column("attempts")?.integer ?? 0
        task.leaseOwner = row.column("lease_owner")?.string
        task.leaseUntil = row.column("lease_until")?.double.map(Date.init(timeIntervalSince1970:))
        task.finishedAt = row.column("finished_at")?.double.map(Date.init(timeIntervalSince1970:))
        task.error = row.column("error")?.string
        return task
    }
}

// MARK: - Binding helpers

private func text(_ value: String?) -> SQLiteData { value.map { .text($0) } ?? .null }
private func date(_ value: Date?) -> SQLiteData { value.map { .float($0.timeIntervalSince1970) } ?? .null }
private func json(_ value: some Encodable) throws -> SQLiteData {
    .text(String(decoding: try StoreCoding.encoder.encode(value), as: UTF8.self))
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
