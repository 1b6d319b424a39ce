import Foundation
import SQLKit
import ZunCore

/// `TaskQueue` on SQL: the `task` table; claims lock the row they take (`SKIP LOCKED` on PostgreSQL).
extension SQLStore {
    func insertTask(_ t: ComputeTask, _ db: any SQLDatabase) async throws {
        try await backend.insertTask(
            """
            INSERT INTO task (host, container_uuid, kind, payload, state, attempts, created_at)
            VALUES (\(bind: t.host), \(bind: t.containerUUID), \(bind: t.kind.rawValue), \(bind: try json(t.payload)), \(bind: ComputeTask.State.pending.rawValue), 0, \(bind: t.createdAt.timeIntervalSince1970))
            """,
            host: t.host, in: db
        )
    }

    public func claimTask(host: String, owner: String, leaseUntil: Date, now: Date, lanes: Set<ComputeTask.Lane>?) async throws -> ComputeTask? {
        let lanes = lanes ?? Set(ComputeTask.Lane.allCases)
        return try await claim(
            host: host, owner: owner, leaseUntil: leaseUntil, now: now, slots: Dictionary(uniqueKeysWithValues: lanes.map { ($0, 1) }), limit: 1
        ).first
    }

    public func claimTasks(host: String, owner: String, leaseUntil: Date, now: Date, slots: [ComputeTask.Lane: Int]) async throws -> [ComputeTask] {
        try await claim(host: host, owner: owner, leaseUntil: leaseUntil, now: now, slots: slots, limit: nil)
    }

    /// Claims, in one transaction, the oldest runnable tasks of `host`, at most `slots[lane]` of each lane and
    /// `limit` in all (the slots' sum when nil): one read of the candidates (at most one per container: an
    /// earlier unfinished task holds back the rest), then one update of those the lanes have room for.
    private func claim(
        host: String, owner: String, leaseUntil: Date, now: Date, slots: [ComputeTask.Lane: Int], limit: Int?
    ) async throws -> [ComputeTask] {
        let open = slots.filter { $0.value > 0 }
        let limit = min(limit ?? Int.max, open.values.reduce(0, +))
        guard !open.isEmpty, limit > 0 else { return [] }
        // The kinds come from the lanes (never from a request); each is still bound, not spliced in. A kind no
        // operation has (a newer version's) runs in the operations lane, where its task fails on the host, so
        // that lane is "every kind but the closed lanes'" rather than a list of the kinds this version knows.
        let closed = Set(ComputeTask.Lane.allCases).subtracting(open.keys)
        let kindFilter: SQLQueryString
        if closed.isEmpty {
            kindFilter = ""
        } else if closed.contains(.operations) {
            kindFilter = " AND t.kind IN (\(binds: open.keys.flatMap(\.kinds).map(\.rawValue).sorted()))"
        } else {
            kindFilter = " AND t.kind NOT IN (\(binds: closed.flatMap(\.kinds).map(\.rawValue).sorted()))"
        }
        // Most claims find nothing (a long-poll's first look, the look after a task ends): a plain read says so
        // without a write transaction. A task committed after this read wakes the claim's wait, and the next claim
        // takes it.
        let runnable = try await backend.readEach { db in
            try await db.run("""
                SELECT 1 AS found FROM task
                WHERE host = \(bind: host) AND \(unsafeRaw: Self.unfinished())
                  AND (state = 'pending' OR (state = 'running' AND lease_until < \(bind: now.timeIntervalSince1970)))
                LIMIT 1
                """).isEmpty == false
        }
        guard runnable else { return [] }
        return try await backend.transaction { db in
            let rows = try await db.run("""
                SELECT * FROM task t
                WHERE t.host = \(bind: host) AND \(unsafeRaw: Self.unfinished("t.state"))
                  AND (t.state = 'pending' OR (t.state = 'running' AND t.lease_until < \(bind: now.timeIntervalSince1970)))
                """ + kindFilter + """
                  AND NOT EXISTS (SELECT 1 FROM task p WHERE p.container_uuid = t.container_uuid AND p.id < t.id
                                  AND \(unsafeRaw: Self.unfinished("p.state")))
                ORDER BY t.id LIMIT \(literal: limit)\(unsafeRaw: self.dialect.skipLocked)
                """)
            var room = open
            var claimed: [ComputeTask] = []
            for row in rows {
                var task = try Self.decodeTask(row)
                let lane = task.kind.lane
                guard room[lane, default: 0] > 0, task.id != nil else { continue }
                room[lane, default: 0] -= 1
                task.state = .running
                task.attempts += 1
                task.leaseOwner = owner
                task.leaseUntil = leaseUntil
                claimed.append(task)
            }
            guard !claimed.isEmpty else { return [] }
            try await db.run("""
                UPDATE task SET state = 'running', attempts = attempts + 1, lease_owner = \(bind: owner),
                                lease_until = \(bind: leaseUntil.timeIntervalSince1970)
                WHERE id IN (\(binds: claimed.compactMap(\.id)))
                """)
            return claimed
        }
    }

    public func finishTask(id: Int64, error: String?, at: Date) async throws {
        try await writeReports(named: #function) { try await $0.finishTask(id: id, error: error, at: at) }
    }

    public func deferTask(id: Int64, until: Date) async throws {
        try await writeReports(named: #function) { try await $0.deferTask(id: id, until: until) }
    }

    public func unclaimTask(id: Int64, owner: String) async throws {
        let host: String? = try await backend.transaction { db in
            let rows = try await db.run(
                """
                UPDATE task SET state = 'pending', attempts = attempts - 1, lease_owner = NULL, lease_until = NULL
                WHERE id = \(bind: id) AND state = 'running' AND lease_owner = \(bind: owner) RETURNING host
                """
            )
            guard let host = try rows.first?.string("host") else { return nil }
            try await self.backend.taskWritten(host: host, in: db)
            return host
        }
        if let host { backend.taskCommitted(host: host) }
    }

    public func releaseTasks(host: String) async throws {
        try await backend.transaction { db in
            try await db.run(
                """
                UPDATE task SET state = 'pending', lease_owner = NULL, lease_until = NULL, interruptions = interruptions + 1
                WHERE host = \(bind: host) AND \(unsafeRaw: Self.unfinished()) AND state = 'running'
                """
            )
        }
    }

    /// A task not yet finished, on `column` (`t.state` for a query that names the table `t`): the condition of the
    /// index of a host's unfinished tasks (migration 15). Every query says it this way, word for word: SQLite uses
    /// a partial index only for a query whose conditions include the index's own.
    static func unfinished(_ column: String = "state") -> String { "\(column) IN ('pending', 'running')" }

    public func tasks(containerUUID: String) async throws -> [ComputeTask] {
        try await backend.readEach { db in try await Self.tasks(containerUUID: containerUUID, db) }
    }

    public func task(id: Int64) async throws -> ComputeTask? {
        try await backend.readEach { db in try await Self.task(id: id, db) }
    }

    /// A container's tasks, oldest first, read on `db` (a read, or a report transaction).
    static func tasks(containerUUID: String, _ db: any SQLDatabase) async throws -> [ComputeTask] {
        try await db.run("SELECT * FROM task WHERE container_uuid = \(bind: containerUUID) ORDER BY id").map(decodeTask)
    }

    /// One task by id, read on `db`.
    static func task(id: Int64, _ db: any SQLDatabase) async throws -> ComputeTask? {
        try await db.run("SELECT * FROM task WHERE id = \(bind: id)").first.map(decodeTask)
    }

    public func runningTasks(host: String, leaseOwner: String) async throws -> [ComputeTask] {
        try await backend.readEach { db in
            try await db.run(
                "SELECT * FROM task WHERE host = \(bind: host) AND \(unsafeRaw: Self.unfinished()) AND state = 'running' AND lease_owner = \(bind: leaseOwner) ORDER BY id"
            ).map(Self.decodeTask)
        }
    }

    public func unfinishedTasks() async throws -> [ComputeTask] {
        try await backend.readEach { db in
            try await db.run("SELECT * FROM task WHERE \(unsafeRaw: Self.unfinished()) ORDER BY id").map(Self.decodeTask)
        }
    }

    public func unfinishedTasksOfHostsDown(now: Date, downAfter: TimeInterval) async throws -> [TaskOfHostDown] {
        let rows = try await backend.readEach { db in
            try await db.run("""
                SELECT task.*, s.id AS service_id, \(unsafeRaw: Self.serviceLastHeard) AS service_seen
                FROM task LEFT JOIN zun_service AS s ON s.host = task.host AND s."binary" = \(bind: ZunService.computeBinary)
                WHERE \(unsafeRaw: Self.unfinished("task.state")) AND (s.id IS NULL OR \(Self.serviceNotUp(now: now, downAfter: downAfter)))
                ORDER BY task.id
                """)
        }
        return try rows.map { row in
            TaskOfHostDown(task: try Self.decodeTask(row), hostLastSeen: try row.double("service_seen").map(Date.init(timeIntervalSince1970:)))
        }
    }

    public func rescheduleTask(
        id: Int64, fromHost: String, placement: Placement, _ change: @escaping @Sendable (inout Container, String) -> Void
    ) async throws -> String? {
        let moved: (host: String, networks: [String])? = try await backend.transaction { db in
            guard let row = try await db.run("SELECT * FROM task WHERE id = \(bind: id)\(unsafeRaw: self.dialect.forUpdate)").first else {
                return nil
            }
            let task = try Self.decodeTask(row)
            // A claimed task may be running on a host that only looks dead (a slow heartbeat): moving it would
            // have two hosts create the container. Only work nobody started moves.
            guard task.host == fromHost, task.state == .pending else { return nil }
            let containerRow = try await db.run(
                "SELECT data FROM container WHERE uuid = \(bind: task.containerUUID)\(unsafeRaw: self.dialect.forUpdate)"
            ).first
            let container = try containerRow.map(Self.decodeContainer)
            guard container?.containerID == nil else { return nil }
            guard let host = try await self.firstFittingHost(placement, db) else { return nil }
            var payload = task.payload
            payload.rescheduledFrom = task.host
            try await db.run(
                "UPDATE task SET host = \(bind: host), payload = \(bind: try json(payload)), state = 'pending', lease_owner = NULL, lease_until = NULL WHERE id = \(bind: id)"
            )
            var networks: [String] = []
            if var container {
                change(&container, host)
                container.updatedAt = self.clock.now
                try await self.writeContainer(container, db)
                networks = Self.networkUUIDs(container)
                try await self.overlayChanged(networks, db)
            }
            try await self.backend.taskWritten(host: host, in: db)
            return (host, networks)
        }
        guard let moved else { return nil }
        backend.taskCommitted(host: moved.host)
        backend.overlayCommitted(networks: moved.networks)
        return moved.host
    }

    public func abandonTask(id: Int64, fromHost: String, error: String, at: Date) async throws -> Bool {
        try await backend.transaction { db in
            let rows = try await db.run(
                """
                UPDATE task SET state = 'failed', finished_at = \(bind: at.timeIntervalSince1970), error = \(bind: error), lease_until = NULL
                WHERE id = \(bind: id) AND host = \(bind: fromHost) AND \(unsafeRaw: Self.unfinished()) RETURNING id
                """
            )
            return !rows.isEmpty
        }
    }

    @discardableResult
    public func waitForTasks(host: String, timeout: Duration) async -> Bool {
        await backend.waitForTasks(host: host, timeout: timeout)
    }

    static func decodeTask(_ row: any SQLRow) throws -> ComputeTask {
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
