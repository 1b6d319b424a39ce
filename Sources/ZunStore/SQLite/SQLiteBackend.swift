import Logging
import SQLKit
import SQLiteKit
import SQLiteNIO

/// One SQLite file in WAL mode with `synchronous=FULL`, so a commit survives a crash. All statements go
/// through one connection, one transaction at a time: SQLite allows a single writer anyway, and this makes
/// every read-modify-write atomic. Concurrent transactions share one commit (`GroupCommit`).
final class SQLiteBackend: SQLBackend {
    let dialect = StoreDialect.sqlite
    private let connection: SQLiteConnection
    private let mutex = AsyncMutex()
    private let wakeups = TaskWakeups()
    private let groupCommit = GroupCommit()

    private init(connection: SQLiteConnection) {
        self.connection = connection
    }

    static func open(path: String, logger: Logger) async throws -> SQLiteBackend {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"] {
            _ = try await connection.query(pragma)
        }
        return SQLiteBackend(connection: connection)
    }

    private var db: any SQLDatabase { connection.sql(queryLogLevel: nil) }

    @discardableResult
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let (mutex, db) = (self.mutex, self.db)
        return try await groupCommit.transaction(body) { batch in
            try await mutex.withLock { try await SQLTransaction.run(on: db, begin: "BEGIN IMMEDIATE", batch) }
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await mutex.withLock { try await body(db) }
    }

    func taskWritten(host: String, in db: any SQLDatabase) async throws {}

    func taskCommitted(host: String) { wakeups.signal(host: host) }

    func waitForTasks(host: String, timeout: Duration) async {
        await wakeups.wait(host: host, timeout: timeout)
    }

    func close() async throws {
        try await connection.close()
    }
}
