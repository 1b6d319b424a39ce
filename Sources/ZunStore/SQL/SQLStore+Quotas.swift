import Foundation
import SQLKit
import ZunCore

/// `QuotaRecords` on SQL: the `quota` and `quota_class` tables; usage is summed from the container table.
extension SQLStore {
    public func quotas(projectID: String) async throws -> [String: Int] {
        try await backend.readEach { db in
            try await Self.limits(db.run("SELECT resource, hard_limit FROM quota WHERE project_id = \(bind: projectID)"))
        }
    }

    public func setQuotas(projectID: String, _ limits: [String: Int]) async throws {
        try await upsert(limits, table: "quota", keyColumn: "project_id", key: projectID)
    }

    public func deleteQuotas(projectID: String) async throws {
        try await backend.transaction { db in
            try await db.run("DELETE FROM quota WHERE project_id = \(bind: projectID)")
        }
    }

    public func quotaClass(name: String) async throws -> [String: Int] {
        try await backend.readEach { db in
            try await Self.limits(db.run("SELECT resource, hard_limit FROM quota_class WHERE class_name = \(bind: name)"))
        }
    }

    public func setQuotaClass(name: String, _ limits: [String: Int]) async throws {
        try await upsert(limits, table: "quota_class", keyColumn: "class_name", key: name)
    }

    /// Writes limits of one project or class in one transaction. `table` and `keyColumn` are this file's
    /// constants, never input.
    private func upsert(_ limits: [String: Int], table: String, keyColumn: String, key: String) async throws {
        try await backend.transaction { db in
            for (resource, limit) in limits.sorted(by: { $0.key < $1.key }) {
                try await db.run("""
                    INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: keyColumn), resource, hard_limit)
                    VALUES (\(bind: key), \(bind: resource), \(bind: limit))
                    ON CONFLICT (\(unsafeRaw: keyColumn), resource) DO UPDATE SET hard_limit = excluded.hard_limit
                    """)
            }
        }
    }

    public func quotaUsage(projectID: String) async throws -> QuotaUsage {
        try await backend.readEach { db in try await Self.usage(projectID: projectID, db) }
    }

    public func checkQuota(_ check: QuotaCheck) async throws {
        try await backend.transaction { db in try await self.checkQuota(check, alreadyWritten: false, db) }
    }

    /// Checks a change under the project's quota lock, inside the caller's transaction (SQLite's one writer
    /// serialises this already).
    ///
    /// A create calls it as the last step of its transaction, with the container already written
    /// (`alreadyWritten`): the lock is then held only from the read of the usage to the commit, not for the
    /// whole create, so creates of one project on several API replicas still run side by side. The usage, read
    /// under the lock, counts every create committed before it (PostgreSQL's READ COMMITTED takes a new snapshot
    /// per statement), and this one's own rows on SQLite only: there the usage triggers run at once, on
    /// PostgreSQL at the commit (migration 10).
    func checkQuota(_ check: QuotaCheck, alreadyWritten: Bool, _ db: any SQLDatabase) async throws {
        if dialect == .postgres {
            try await db.run("SELECT pg_advisory_xact_lock(\(literal: Self.quotaLockClass), hashtext(\(bind: check.projectID)))")
        }
        let project = try Self.limits(await db.run("SELECT resource, hard_limit FROM quota WHERE project_id = \(bind: check.projectID)"))
        let defaults = try Self.limits(await db.run("SELECT resource, hard_limit FROM quota_class WHERE class_name = 'default'"))
        let limits = QuotaLimits.effective(project: project, defaultClass: defaults, configured: check.configured)
        let counted = try await Self.usage(projectID: check.projectID, db)
        let countsOwnRows = alreadyWritten && dialect == .sqlite
        try limits.check(usage: countsOwnRows ? counted.subtracting(check.delta) : counted, delta: check.delta)
    }

    /// The advisory-lock class of project quotas (distinct from the networks' and the migration's).
    static let quotaLockClass = 0x71756f  // "quo"

    /// The project's usage, kept by triggers (migration 10), whatever the project holds: one row on SQLite, the
    /// sum of at most `Migrations.usageShards` on PostgreSQL (migration 13).
    static func usage(projectID: String, _ db: any SQLDatabase) async throws -> QuotaUsage {
        guard let row = try await db.run("""
            SELECT SUM(containers) AS containers, SUM(cpu_milli) AS cpu_milli, SUM(memory) AS memory, SUM(disk) AS disk,
                   SUM(networks) AS networks, SUM(volumes) AS volumes, SUM(ports) AS ports
            FROM project_usage WHERE project_id = \(bind: projectID)
            """).first else {
            return QuotaUsage()
        }
        return QuotaUsage(
            containers: try row.int("containers") ?? 0, cpu: Double(try row.int("cpu_milli") ?? 0) / 1000,
            memory: try row.int("memory") ?? 0, disk: try row.int("disk") ?? 0, networks: try row.int("networks") ?? 0,
            volumes: try row.int("volumes") ?? 0, ports: try row.int("ports") ?? 0
        )
    }

    static func limits(_ rows: [any SQLRow]) throws -> [String: Int] {
        var limits: [String: Int] = [:]
        for row in rows {
            guard let resource = try row.string("resource"), let limit = try row.int("hard_limit") else { continue }
            limits[resource] = limit
        }
        return limits
    }
}
