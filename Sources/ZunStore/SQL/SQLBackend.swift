import SQLKit

/// The SQL differences between the two databases the store runs on.
public enum StoreDialect: Sendable {
    case sqlite, postgres

    /// Row lock on a `SELECT` inside a transaction (SQLite's write transaction is exclusive already).
    var forUpdate: String { self == .postgres ? " FOR UPDATE" : "" }
    /// Null-safe "differs": `a IS NOT b` on SQLite, `a IS DISTINCT FROM b` on PostgreSQL.
    var distinctFrom: String { self == .postgres ? "IS DISTINCT FROM" : "IS NOT" }
    /// Lets concurrent claimers skip rows another transaction holds.
    var skipLocked: String { self == .postgres ? " FOR UPDATE SKIP LOCKED" : "" }

    /// Rewrites the SQLite-flavoured DDL of `Migrations` for this dialect.
    func translateDDL(_ statement: String) -> String {
        guard self == .postgres else { return statement }
        return statement
            .replacingOccurrences(of: "INTEGER PRIMARY KEY AUTOINCREMENT", with: "BIGSERIAL PRIMARY KEY")
            .replacingOccurrences(of: " REAL", with: " DOUBLE PRECISION")
    }
}

/// A database connection source: transactions and reads, plus the task wake-up channel.
protocol SQLBackend: Sendable {
    var dialect: StoreDialect { get }
    /// Write transactions and commits so far.
    var counters: StoreCounters { get }
    /// Runs `body` in one transaction on one connection; commits on return, rolls back on throw. `operation`
    /// names it in the counters.
    @discardableResult
    func transaction<T: Sendable>(named operation: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs read-only statements, all of them in one snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs read-only statements that need no common snapshot (each sees the last commit made before it
    /// began), such as a single `SELECT`: SQLite runs them without `BEGIN`/`COMMIT`, two fewer hops to its
    /// thread pool on the hottest reads.
    func readEach<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Called inside the transaction that wrote a task for `host` (PostgreSQL sends a NOTIFY on commit).
    func taskWritten(host: String, in db: any SQLDatabase) async throws
    /// Runs `insert`, the `INSERT` of a task for `host`, as `taskWritten` would follow it (PostgreSQL sends the
    /// NOTIFY in the same statement: one round trip fewer per task).
    func insertTask(_ insert: SQLQueryString, host: String, in db: any SQLDatabase) async throws
    /// Wakes local waiters after the transaction committed.
    func taskCommitted(host: String)
    func waitForTasks(host: String, timeout: Duration) async -> Bool
    /// Called inside the transaction that changed ports of `networks` (PostgreSQL sends a NOTIFY on commit).
    func overlayChanged(networks: [String], in db: any SQLDatabase) async throws
    /// Wakes the local overlay waiters of those networks' hosts after the transaction committed.
    func overlayCommitted(networks: [String])
    /// Returns when a network `host` realized changed (or after `timeout`).
    func waitForOverlayChange(host: String, timeout: Duration) async
}

/// A transaction on one connection: `begin`, the body, then `COMMIT`, or `ROLLBACK` when the body throws.
enum SQLTransaction {
    nonisolated(nonsending) static func run<T>(on db: any SQLDatabase, begin: String, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await db.run(SQLQueryString(begin))
        do {
            let result = try await body(db)
            try await db.run("COMMIT")
            return result
        } catch {
            // Even when the caller was cancelled: a connection left inside a transaction would refuse the
            // next BEGIN ("cannot start a transaction within a transaction").
            _ = await Task { try? await db.run("ROLLBACK") }.value
            throw error
        }
    }
}

extension SQLDatabase {
    /// Runs `query`, whose values are bound through SQLKit's interpolation (`\(bind: value)`), so that
    /// placeholders and values cannot drift apart; SQLKit writes each dialect's placeholders.
    @discardableResult
    func run(_ query: SQLQueryString) async throws -> [any SQLRow] {
        try await raw(query).all()
    }
}

extension SQLRow {
    func string(_ column: String) throws -> String? { try decode(column: column, as: String?.self) }
    func int(_ column: String) throws -> Int? { try decode(column: column, as: Int?.self) }
    func double(_ column: String) throws -> Double? { try decode(column: column, as: Double?.self) }
}

extension SQLBackend {
    /// A transaction named, in the counters, after the store method that runs it.
    @discardableResult
    func transaction<T: Sendable>(
        _ operation: String = #function, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        try await transaction(named: operation, body)
    }

    /// The hosts with an overlay of any of `networks`: those a change of the networks' ports concerns.
    @Sendable func hostsRealizing(_ networks: [String]) async throws -> [String] {
        try await readEach { db in
            try await db.run("SELECT DISTINCT host FROM network_host WHERE network_uuid IN (\(binds: networks)) AND overlay = 1")
                .compactMap { try $0.string("host") }
        }
    }

    func readEach<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await read(body)
    }

    func insertTask(_ insert: SQLQueryString, host: String, in db: any SQLDatabase) async throws {
        try await db.run(insert)
        try await taskWritten(host: host, in: db)
    }
}
