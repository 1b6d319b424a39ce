import Foundation
import SQLKit
import ZunCore

/// `HostInventory` on SQL: `compute_node` and `zun_service`.
extension SQLStore {
    public func saveComputeNode(_ node: ComputeNode) async throws {
        try await backend.transaction { db in
            try await db.run(
                """
                INSERT INTO compute_node (uuid, hostname, data, updated_at) VALUES (\(bind: node.uuid), \(bind: node.hostname), \(bind: try json(node)), \(bind: self.clock.now.timeIntervalSince1970))
                ON CONFLICT(hostname) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at
                """
            )
        }
    }

    public func computeNodes() async throws -> [ComputeNode] {
        try await backend.readEach { db in
            try await db.run("SELECT data, updated_at FROM compute_node ORDER BY id").map(Self.decodeNode)
        }
    }

    public func computeNodes(updatedSince since: Double) async throws -> [ComputeNode] {
        try await backend.readEach { db in
            try await db.run("SELECT data, updated_at FROM compute_node WHERE updated_at >= \(bind: since) ORDER BY id").map(Self.decodeNode)
        }
    }

    public func computeNode(ident: String) async throws -> ComputeNode? {
        try await backend.readEach { db in
            try await db.run(
                "SELECT data FROM compute_node WHERE uuid = \(bind: ident) OR hostname = \(bind: ident) ORDER BY id LIMIT 1"
            ).first.map(Self.decodeNode)
        }
    }

    /// Nodes decoded from recently read rows: a node's record changes only with its inventory, and every
    /// placement reads its candidates' rows again (1 % of the e2e benchmark decoding the same texts).
    static let decodedNodes = DecodedRecordCache<ComputeNode>(capacity: 8192)

    static func decodeNode(_ row: any SQLRow) throws -> ComputeNode {
        guard let text = try row.string("data") else { throw StoreError("compute node row without data") }
        var node = try decodedNodes.value(for: text) { try StoreCoding.decoder.decode(ComputeNode.self, from: Data($0.utf8)) }
        if row.contains(column: "updated_at"), let stamp = try row.double("updated_at") {
            node.updatedAt = Date(timeIntervalSince1970: stamp)
        }
        return node
    }

    @discardableResult
    public func heartbeat(host: String, binary: String, availabilityZone: String, endpoint: String?, at: Date) async throws
        -> ZunService
    {
        try await backend.transaction { db in
            let seen = at.timeIntervalSince1970
            // `updated_at` is stamped when the write runs, not when it was asked for: a heartbeat that waited
            // behind other writes must not carry a stamp older than rows already committed, or the API's
            // incremental host refresh (rows changed since the newest stamp it saw) would skip it.
            let stamp = max(seen, self.clock.now.timeIntervalSince1970)
            try await db.run(
                """
                INSERT INTO zun_service (host, "binary", availability_zone, endpoint, report_count, last_seen_up,
                                         created_at, updated_at, changed_at)
                VALUES (\(bind: host), \(bind: binary), \(bind: availabilityZone), \(bind: endpoint), 1, \(bind: seen), \(bind: stamp), \(bind: stamp), \(bind: stamp))
                \(unsafeRaw: self.heartbeatConflict)
                """
            )
            guard let service = try await Self.service(host: host, binary: binary, db) else {
                throw StoreError("service vanished during heartbeat")
            }
            return service
        }
    }

    public func heartbeats(_ beats: [Heartbeat]) async throws {
        guard !beats.isEmpty else { return }
        try await backend.transaction { db in
            let stamp = self.clock.now.timeIntervalSince1970
            // 500 rows (3,500 values) per statement: under SQLite's and PostgreSQL's limits on bound values.
            for chunk in Self.statementChunks(beats) {
                var query = SQLQueryString("""
                    INSERT INTO zun_service (host, "binary", availability_zone, endpoint, report_count, last_seen_up,
                                             created_at, updated_at, changed_at) VALUES
                    """)
                for (index, beat) in chunk.enumerated() {
                    let seen = beat.at.timeIntervalSince1970
                    query.appendInterpolation(unsafeRaw: index == 0 ? " " : ", ")
                    query.appendInterpolation(SQLQueryString("""
                        (\(bind: beat.host), \(bind: ZunService.computeBinary), \(bind: beat.availabilityZone), \(bind: beat.endpoint), 1, \(bind: seen), \(bind: max(seen, stamp)), \(bind: max(seen, stamp)), \(bind: max(seen, stamp)))
                        """))
                }
                query.appendInterpolation(unsafeRaw: " " + self.heartbeatConflict)
                try await db.run(query)
            }
        }
    }

    public func services() async throws -> [ZunService] {
        try await backend.readEach { db in
            try await db.run("SELECT * FROM zun_service ORDER BY id").map(Self.decodeService)
        }
    }

    public func service(host: String, binary: String) async throws -> ZunService? {
        try await backend.readEach { db in try await Self.service(host: host, binary: binary, db) }
    }

    /// One service record read in `db` (a read, or a transaction that just wrote it).
    static func service(host: String, binary: String, _ db: any SQLDatabase) async throws -> ZunService? {
        try await db.run("SELECT * FROM zun_service WHERE host = \(bind: host) AND \"binary\" = \(bind: binary)").first.map(decodeService)
    }

    public func computeServicesDown(now: Date, downAfter: TimeInterval) async throws -> [ZunService] {
        try await backend.readEach { db in
            try await db.run("""
                SELECT * FROM zun_service AS s
                WHERE s."binary" = \(bind: ZunService.computeBinary) AND \(Self.serviceNotUp(now: now, downAfter: downAfter))
                ORDER BY s.id
                """).map(Self.decodeService)
        }.filter { !$0.isUp(now: now, downAfter: downAfter) }
    }

    /// When the `zun_service` row named `s` was last heard from, as `ZunService.isUp` reads it.
    static let serviceLastHeard = "COALESCE(s.last_seen_up, s.updated_at, s.created_at)"

    /// The condition `ZunService.isUp` is false for, on a `zun_service` row named `s` (a superset: a
    /// stamp exactly at a bound is decided again by `isUp`).
    static func serviceNotUp(now: Date, downAfter: TimeInterval) -> SQLQueryString {
        let seen = serviceLastHeard
        let stamp = now.timeIntervalSince1970
        return """
            (s.forced_down <> 0 OR \(unsafeRaw: seen) IS NULL OR \(unsafeRaw: seen) <= \(bind: stamp - downAfter)
             OR \(unsafeRaw: seen) >= \(bind: stamp + downAfter))
            """
    }

    public func services(changedSince since: Double) async throws -> [ZunService] {
        try await backend.readEach { db in
            try await db.run("SELECT * FROM zun_service WHERE changed_at >= \(bind: since) ORDER BY id").map(Self.decodeService)
        }
    }

    public func lastSeenUp(computeHosts hosts: [String]) async throws -> [String: Date] {
        guard !hosts.isEmpty else { return [:] }
        return try await backend.read { db in
            var seen: [String: Date] = [:]
            for chunk in Self.statementChunks(hosts) {
                for row in try await db.run("""
                    SELECT host, last_seen_up FROM zun_service
                    WHERE "binary" = \(bind: ZunService.computeBinary) AND host IN (\(binds: Array(chunk)))
                    """) {
                    if let host = try row.string("host"), let stamp = try row.double("last_seen_up") {
                        seen[host] = Date(timeIntervalSince1970: stamp)
                    }
                }
            }
            return seen
        }
    }

    /// A heartbeat's upsert: liveness always; `changed_at` only when the zone or endpoint moved.
    private var heartbeatConflict: String {
        let differs = dialect.distinctFrom
        return """
            ON CONFLICT(host, "binary") DO UPDATE SET report_count = zun_service.report_count + 1,
                last_seen_up = excluded.last_seen_up, updated_at = excluded.updated_at,
                changed_at = CASE WHEN zun_service.availability_zone \(differs) excluded.availability_zone
                                    OR zun_service.endpoint \(differs) excluded.endpoint
                                  THEN excluded.changed_at ELSE zun_service.changed_at END,
                availability_zone = excluded.availability_zone, endpoint = excluded.endpoint
            """
    }

    @discardableResult
    public func updateService(host: String, binary: String, _ change: @escaping @Sendable (inout ZunService) -> Void) async throws
        -> ZunService?
    {
        try await backend.transaction { db in
            guard let row = try await db.run(
                "SELECT * FROM zun_service WHERE host = \(bind: host) AND \"binary\" = \(bind: binary)\(unsafeRaw: self.dialect.forUpdate)"
            ).first else { return nil }
            var service = try Self.decodeService(row)
            change(&service)
            service.updatedAt = self.clock.now
            try await db.run(
                """
                UPDATE zun_service SET disabled = \(bind: service.disabled ? 1 : 0), disabled_reason = \(bind: service.disabledReason), forced_down = \(bind: service.forcedDown ? 1 : 0), updated_at = \(bind: service.updatedAt?.timeIntervalSince1970), changed_at = \(bind: service.updatedAt?.timeIntervalSince1970 ?? 0)
                WHERE host = \(bind: host) AND "binary" = \(bind: binary)
                """
            )
            return service
        }
    }

    public func deleteService(host: String, binary: String) async throws -> Bool {
        try await backend.transaction { db in
            let found = try await db.run(
                "SELECT id FROM zun_service WHERE host = \(bind: host) AND \"binary\" = \(bind: binary)"
            )
            guard !found.isEmpty else { return false }
            try await db.run("DELETE FROM zun_service WHERE host = \(bind: host) AND \"binary\" = \(bind: binary)")
            if binary == ZunService.computeBinary { try await db.run("DELETE FROM compute_node WHERE hostname = \(bind: host)") }
            return true
        }
    }

    static func decodeService(_ row: any SQLRow) throws -> ZunService {
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
}
