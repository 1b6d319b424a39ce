import Foundation
import SQLKit
import ZunCore

/// `ContainerRecords` on SQL: the container table, whose `data` column holds the whole record next to the
/// columns lists filter and sort on.
extension SQLStore {
    public func createContainer(_ container: Container, action: ContainerAction?, task: ComputeTask?) async throws {
        let networks = container.host == nil ? [] : (container.networks ?? []).map(\.networkUUID)
        try await retryingConstraintRaces(committed: { try await self.written(container) != nil ? () : nil }) { try await self.backend.transaction { db in
            var container = container
            try await self.bindResources(&container, db)
            try await self.insertContainer(container, db)
            if let action { try await self.insertAction(action, db) }
            if let task { try await self.insertTask(task, db) }
            try await self.overlayChanged(networks, db)
        } }
        if let task { backend.taskCommitted(host: task.host) }
        backend.overlayCommitted(networks: networks)
    }

    public func createContainer(_ container: Container, placement: Placement) async throws -> Container {
        // Retried when a concurrent create took the same address first (PostgreSQL's unique index).
        let placed: Container = try await retryingConstraintRaces(committed: { try await self.written(container) }) { try await self.backend.transaction { db in
            var container = container
            try await self.bindResources(&container, db)
            if let host = try await self.firstFittingHost(placement, db) {
                container.host = host
                let (action, task) = placement.records(host)
                try await self.insertContainer(container, db)
                try await self.insertAction(action, db)
                try await self.insertTask(task, db)
                // Over quota: 403, and the whole transaction rolls back.
                if let quota = placement.quota { try await self.checkQuota(quota, alreadyWritten: true, db) }
                try await self.overlayChanged(Self.networkUUIDs(container), db)
                return container
            }
            guard placement.recordsFailure else { throw PlacementExhausted() }
            container.status = .error
            container.statusReason = placement.noHostReason
            try await self.insertContainer(container, db)
            if let quota = placement.quota { try await self.checkQuota(quota, alreadyWritten: true, db) }
            return container
        } }
        if let host = placed.host {
            backend.taskCommitted(host: host)
            backend.overlayCommitted(networks: Self.networkUUIDs(placed))
        }
        return placed
    }

    /// The record a create of `container` wrote, if a try of it committed: the same uuid, and the same name,
    /// project, user and image (another record with that uuid is a conflict, not our write).
    func written(_ container: Container) async throws -> Container? {
        guard let stored = try await self.container(uuid: container.uuid), stored.name == container.name,
              stored.projectID == container.projectID, stored.userID == container.userID, stored.image == container.image
        else { return nil }
        return stored
    }

    /// The first candidate that still fits, each checked with its node row locked and its usage re-read in
    /// this transaction, so a concurrent placement on the same host waits for ours to commit. The lock on a
    /// candidate that does not fit is released at once (rolled back to a savepoint), so a transaction holds
    /// at most the one lock it keeps and placements ranking hosts in different orders cannot deadlock. SQLite
    /// has one writer and no row locks, and nothing is written before the check: there, no savepoint.
    func firstFittingHost(_ placement: Placement, _ db: any SQLDatabase) async throws -> String? {
        let rowLocks = dialect == .postgres
        for host in placement.candidates {
            if rowLocks { try await db.run("SAVEPOINT candidate") }
            let nodes = try await db.run("SELECT data FROM compute_node WHERE hostname = \(bind: host)\(unsafeRaw: dialect.forUpdate)")
            if let row = nodes.first {
                let (usage, service) = try await Self.usageAndService(onHost: host, db)
                if placement.fits(try Self.decodeNode(row), usage, service) {
                    if rowLocks { try await db.run("RELEASE candidate") }
                    return host
                }
            }
            if rowLocks {
                try await db.run("ROLLBACK TO candidate")
                try await db.run("RELEASE candidate")
            }
        }
        return nil
    }

    public func container(uuid: String) async throws -> Container? {
        try await backend.readEach { db in
            try await db.run("SELECT data FROM container WHERE uuid = \(bind: uuid)").first.map(Self.decodeContainer)
        }
    }

    public func containers(uuids: [String]) async throws -> [Container] {
        try await records(keyedBy: uuids, { "SELECT data FROM container WHERE uuid IN (\(binds: $0))" }, decode: Self.decodeContainer)
    }

    public func containers(named name: String, projectID: String?) async throws -> [Container] {
        try await backend.readEach { db in
            var query: SQLQueryString = "SELECT data FROM container WHERE name = \(bind: name)"
            if let projectID { query += " AND project_id = \(bind: projectID)" }
            return try await db.run(query + " ORDER BY id").map(Self.decodeContainer)
        }
    }

    public func containers(onHost host: String) async throws -> [Container] {
        try await backend.readEach { db in
            try await db.run("SELECT data FROM container WHERE host = \(bind: host) ORDER BY id").map(Self.decodeContainer)
        }
    }

    public func listContainers(_ query: ContainerQuery) async throws -> [Container] {
        guard ContainerQuery.sortColumns.contains(query.sortKey) else {
            throw StoreError("unsupported sort key \(query.sortKey)")
        }
        return try await backend.readEach { db in
            var clauses: [SQLQueryString] = []
            for (column, value) in query.filters.sorted(by: { $0.key < $1.key }) {
                // Only the listed columns reach the SQL text; values are bound.
                guard ContainerQuery.filterColumns.contains(column) else { throw StoreError("unsupported filter \(column)") }
                if column == "auto_remove" {
                    clauses.append("auto_remove = \(bind: value == "true" ? 1 : 0)")
                } else {
                    clauses.append("\(unsafeRaw: column) = \(bind: value)")
                }
            }
            if let projectID = query.projectID {
                clauses.append("project_id = \(bind: projectID)")
            }
            let sort = Self.sortExpression(query.sortKey)
            let direction = query.ascending ? "ASC" : "DESC"
            if let marker = query.marker {
                // A marker outside the listed project is unknown, exactly like a uuid that does not exist:
                // otherwise paging would reveal other projects' containers and where their names sort.
                let markerRows = if let projectID = query.projectID {
                    try await db.run("SELECT id FROM container WHERE uuid = \(bind: marker) AND project_id = \(bind: projectID)")
                } else {
                    try await db.run("SELECT id FROM container WHERE uuid = \(bind: marker)")
                }
                guard !markerRows.isEmpty else { throw ZunError.containerNotFound(marker) }
                // Keyset paging: after the marker's (sort value, id), compared in SQL so types never leave it.
                let op = query.ascending ? ">" : "<"
                let markerValue: SQLQueryString = "(SELECT \(unsafeRaw: sort) FROM container WHERE uuid = \(bind: marker))"
                clauses.append(
                    "(\(unsafeRaw: sort) \(unsafeRaw: op) " + markerValue + " OR (\(unsafeRaw: sort) = " + markerValue
                        + " AND id \(unsafeRaw: op) (SELECT id FROM container WHERE uuid = \(bind: marker))))"
                )
            }
            var sql: SQLQueryString = "SELECT data FROM container"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " ORDER BY \(unsafeRaw: sort) \(unsafeRaw: direction), id \(unsafeRaw: direction)"
            if let limit = query.limit { sql += " LIMIT \(literal: limit)" }
            return try await db.run(sql).map(Self.decodeContainer)
        }
    }

    @discardableResult
    public func updateContainer(
        uuid: String, actions: [ContainerAction], tasks: [ComputeTask],
        _ change: @escaping @Sendable (inout Container) throws -> Void
    ) async throws -> Container? {
        try await writeReports(named: #function) { try await $0.updateContainer(uuid: uuid, actions: actions, tasks: tasks, change) }
    }

    public func destroyContainer(uuid: String) async throws {
        let networks = try await backend.transaction { db in
            let ports = try await db.run("SELECT uuid, network_uuid FROM port WHERE container_uuid = \(bind: uuid)")
            try await self.releasePorts(uuids: try ports.compactMap { try $0.string("uuid") }, db)
            try await self.unmapVolumes(containerUUID: uuid, db)
            try await db.run("DELETE FROM container WHERE uuid = \(bind: uuid)")
            let networks = try ports.compactMap { try $0.string("network_uuid") }
            try await self.overlayChanged(networks, db)
            return networks
        }
        backend.overlayCommitted(networks: networks)
    }

    /// Ports and volume mappings of a new container, written in its create transaction.
    func bindResources(_ container: inout Container, _ db: any SQLDatabase) async throws {
        try await bindPorts(&container, db)
        try await mapVolumes(&container, db)
    }

    public func hostUsage() async throws -> [String: HostUsage] {
        try await backend.readEach { db in
            var usage: [String: HostUsage] = [:]
            for row in try await db.run("\(unsafeRaw: Self.usageSelect) GROUP BY host") {
                guard let host = try row.string("host") else { continue }
                usage[host] = try Self.decodeUsage(row)
            }
            return usage
        }
    }

    /// What a host's usage sums, and which containers count towards it.
    static let usageSums = "SUM(cpu) AS cpu, SUM(CAST(memory AS INTEGER)) AS memory, SUM(COALESCE(disk, 0)) AS disk, COUNT(*) AS n"
    static let countsTowardsUsage = "status NOT IN ('Deleted', 'Error')"

    static let usageSelect = "SELECT host, \(usageSums) FROM container WHERE host IS NOT NULL AND \(countsTowardsUsage)"

    /// A host's usage and its `zun-compute` service record, in one statement: a placement reads both for each
    /// candidate, after locking its node row (one round trip fewer per create on PostgreSQL). The sums have a
    /// row even for a host with no containers; the service's columns are null when it has no record.
    static func usageAndService(onHost host: String, _ db: any SQLDatabase) async throws -> (HostUsage, ZunService?) {
        guard let row = try await db.run("""
            SELECT u.cpu, u.memory, u.disk, u.n, s.*
            FROM (SELECT \(unsafeRaw: usageSums) FROM container WHERE host = \(bind: host) AND \(unsafeRaw: countsTowardsUsage)) u
            LEFT JOIN zun_service s ON s.host = \(bind: host) AND s."binary" = \(bind: ZunService.computeBinary)
            """).first else { return (HostUsage(), nil) }
        let service = try row.string("binary") == nil ? nil : try decodeService(row)
        return (try decodeUsage(row), service)
    }

    static func decodeUsage(_ row: any SQLRow) throws -> HostUsage {
        HostUsage(
            cpu: try row.double("cpu") ?? 0, memoryMB: try row.int("memory") ?? 0, diskGB: try row.int("disk") ?? 0,
            containers: try row.int("n") ?? 0
        )
    }

    func insertContainer(_ c: Container, _ db: any SQLDatabase) async throws {
        try await db.run("""
            INSERT INTO container (uuid, name, project_id, user_id, image, status, task_state, host, memory, cpu, disk,
                                   auto_remove, created_at, updated_at, data)
            VALUES (\(bind: c.uuid), \(bind: c.name), \(bind: c.projectID), \(bind: c.userID), \(bind: c.image),
                    \(bind: c.status.rawValue), \(bind: c.taskState?.rawValue), \(bind: c.host), \(bind: c.memory),
                    \(bind: c.cpu), \(bind: c.disk), \(bind: c.autoRemove ? 1 : 0), \(bind: c.createdAt.timeIntervalSince1970),
                    \(bind: c.updatedAt?.timeIntervalSince1970), \(bind: try Self.encodeContainer(c)))
            """)
    }

    /// Writes `c` over its row. Given the record as it was read (`previous`), only the columns that changed are
    /// set besides `updated_at` and `data`: SQLite rewrites the entry of every index on a column an `UPDATE`
    /// sets, changed or not, and a report (a create and start, say) changes none of the indexed ones, whose
    /// keys (name, host) would each cost a page of their own at the commit.
    func writeContainer(_ c: Container, previous p: Container? = nil, _ db: any SQLDatabase) async throws {
        var set: [SQLQueryString] = []
        if p?.name != c.name { set.append("name = \(bind: c.name)") }
        if p?.projectID != c.projectID { set.append("project_id = \(bind: c.projectID)") }
        if p?.userID != c.userID { set.append("user_id = \(bind: c.userID)") }
        if p?.image != c.image { set.append("image = \(bind: c.image)") }
        if p?.status != c.status { set.append("status = \(bind: c.status.rawValue)") }
        if p?.taskState != c.taskState { set.append("task_state = \(bind: c.taskState?.rawValue)") }
        if p?.host != c.host { set.append("host = \(bind: c.host)") }
        if p?.memory != c.memory { set.append("memory = \(bind: c.memory)") }
        if p?.cpu != c.cpu { set.append("cpu = \(bind: c.cpu)") }
        if p?.disk != c.disk { set.append("disk = \(bind: c.disk)") }
        if p?.autoRemove != c.autoRemove { set.append("auto_remove = \(bind: c.autoRemove ? 1 : 0)") }
        set.append("updated_at = \(bind: c.updatedAt?.timeIntervalSince1970)")
        set.append("data = \(bind: try Self.encodeContainer(c))")
        try await db.run("UPDATE container SET \(set.joined(separator: ", ")) WHERE uuid = \(bind: c.uuid)")
    }

    static func sortExpression(_ key: String) -> String {
        switch key {
        case "id", "cpu", "disk", "auto_remove", "created_at", "updated_at": return "COALESCE(\(key), 0)"
        case "memory": return "CAST(memory AS INTEGER)"
        default: return "COALESCE(\(key), '')"
        }
    }

    /// The record's `data` text. What it decodes to is remembered: the create's record is read next by the host's
    /// handler and by the transaction of its reports, and the reports' record by the API's reads, so the text
    /// written is the text read. (Decoding the text could give a date one bit off the value's, as dates are kept
    /// as seconds since 1970 in a `Double`; either is the same record to every reader.)
    static func encodeContainer(_ container: Container) throws -> String {
        let text = try json(container)
        decodedContainers.remember(container, for: text)
        return text
    }

    static func decodeContainer(_ row: any SQLRow) throws -> Container {
        guard let text = try row.string("data") else { throw StoreError("container row without data") }
        return try decodedContainers.value(for: text) { try StoreCoding.decoder.decode(Container.self, from: Data($0.utf8)) }
    }

    /// Containers decoded from recently read rows (shared by every store of the process: a row's text alone
    /// decides what it decodes to).
    static let decodedContainers = DecodedRecordCache<Container>(capacity: 2048)
}
