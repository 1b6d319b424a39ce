import Logging
import NIOConcurrencyHelpers
import SQLKit
import ZunCore
import SQLiteKit
import SQLiteNIO

/// One SQLite file in WAL mode with `synchronous=FULL`, so a commit survives a crash. Every write goes through
/// one connection (`SQLiteDirectConnection`), one transaction at a time: SQLite allows a single writer anyway, and this
/// makes every read-modify-write atomic. Concurrent transactions share one commit (`GroupCommit`).
final class SQLiteBackend: SQLBackend {
    let dialect = StoreDialect.sqlite
    private let writer: SQLiteDirectConnection
    private let mutex = AsyncMutex()
    /// Read-only connections: in WAL mode readers see the last commit and never wait for the writer.
    private let readers: [(connection: SQLiteDirectConnection, mutex: AsyncMutex)]
    private let nextReader = NIOLockedValueBox(0)
    private let wakeups = TaskWakeups()
    private let overlayWakeups: OverlayWakeups
    private let groupCommit = GroupCommit()
    let counters = StoreCounters()

    private init(writer: SQLiteDirectConnection, readers: [SQLiteDirectConnection], logger: Logger) {
        self.writer = writer
        self.overlayWakeups = OverlayWakeups(logger: logger)
        self.readers = readers.map { ($0, AsyncMutex()) }
    }

    static func open(path: String, readers: Int = 2, logger: Logger) async throws -> SQLiteBackend {
        let writer = try SQLiteDirectConnection.open(path: path, logger: logger)
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000", mapFile, journalsInMemory, rarerCheckpoints] {
            _ = try writer.execute(pragma, [])
        }
        var readOnly: [SQLiteDirectConnection] = []
        for _ in 0..<readers {
            let reader = try SQLiteDirectConnection.open(path: path, logger: logger)
            for pragma in ["PRAGMA query_only=ON", "PRAGMA busy_timeout=5000", mapFile] { _ = try reader.execute(pragma, []) }
            readOnly.append(reader)
        }
        return SQLiteBackend(writer: writer, readers: readOnly, logger: logger)
    }

    /// Past a few thousand containers the writer read pages back from the file with `pread` (a tenth of the
    /// accept path's profile at 40,000 containers). Mapping the file makes those reads plain memory reads. A
    /// larger page cache was tried and is worse: SQLite walks the whole cache at every commit (writer) and
    /// drops it whenever another connection committed (readers).
    private static let mapFile = "PRAGMA mmap_size=1073741824"

    /// The group commit runs each transaction of a batch in a savepoint (`GroupCommit`), and SQLite keeps the
    /// pages a savepoint changes in a statement journal, a temp file by default: one `pwrite` per page first
    /// changed in each savepoint (5 % of the e2e benchmark's profile). In memory, those are copies. The journal
    /// only has to outlive the savepoint, never a crash: the WAL is what makes a commit durable.
    private static let journalsInMemory = "PRAGMA temp_store=MEMORY"

    /// A checkpoint copies every page the WAL holds back into the database file, once per page however often
    /// it changed. The pages a create changes are mostly the last pages of each table and index (time-ordered
    /// uuids, `RandomUUID.timeOrdered`), written again by every commit: checkpointing every 10,000 frames
    /// instead of SQLite's 1,000 copies each of them a tenth as often. Measured: 13 % fewer bytes written per
    /// container, 5–20 % more creates a second (BENCHMARKS.md, "sixth pass"). The WAL then grows to about
    /// 40 MB between checkpoints, and a checkpoint's one longer commit did not raise the p99.
    private static let rarerCheckpoints = "PRAGMA wal_autocheckpoint=10000"

    private var db: any SQLDatabase { SQLiteDirectDatabase(connection: writer) }

    @discardableResult
    func transaction<T: Sendable>(named operation: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let (mutex, db, counters) = (self.mutex, self.db, self.counters)
        counters.transactionStarted(operation)
        let asked = ContinuousClock.now
        defer { counters.transactionFinished(operation, after: ContinuousClock.now - asked) }
        let writer = self.writer
        return try await groupCommit.transaction(body) { batch in
            try await mutex.withLock {
                let clock = ContinuousClock()
                let taken = clock.now
                var committing: ContinuousClock.Instant?
                defer { counters.writerReleased(held: taken.duration(to: clock.now), committing: committing?.duration(to: clock.now) ?? .zero) }
                _ = try writer.execute("BEGIN IMMEDIATE", [])
                do {
                    try await batch(db)
                    committing = clock.now
                    try await writer.executeOffThread("COMMIT")
                } catch {
                    // Statements run on this thread, so the rollback happens even when the caller was cancelled.
                    _ = try? writer.execute("ROLLBACK", [])
                    throw error
                }
            }
            counters.committed()
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        // An explicit transaction pins the snapshot for the body and releases it at COMMIT, so the next
        // read sees every commit made before it began.
        try await onReader(inTransaction: true, body)
    }

    /// Autocommit reads: SQLite begins a read transaction when a statement starts and ends it when the
    /// statement finishes (SQLiteNIO steps every statement to its end and finalizes it), so each statement
    /// sees every commit made before it began.
    func readEach<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await onReader(inTransaction: false, body)
    }

    /// Runs `body` on the next reader connection in turn (on the writer's, under its lock, when there are no
    /// readers), inside `BEGIN`/`COMMIT` when `inTransaction`.
    private func onReader<T: Sendable>(
        inTransaction: Bool, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        guard !readers.isEmpty else { return try await mutex.withLock { try await body(db) } }
        let reader = readers[nextReader.withLockedValue { next in
            defer { next = (next + 1) % readers.count }
            return next
        }]
        return try await reader.mutex.withLock {
            let db = SQLiteDirectDatabase(connection: reader.connection)
            return inTransaction ? try await SQLTransaction.run(on: db, begin: "BEGIN", body) : try await body(db)
        }
    }

    func taskWritten(host: String, in db: any SQLDatabase) async throws {}

    func taskCommitted(host: String) { wakeups.signal(host: host) }

    func waitForTasks(host: String, timeout: Duration) async -> Bool {
        await wakeups.wait(host: host, timeout: timeout)
    }

    func overlayChanged(networks: [String], in db: any SQLDatabase) async throws {}

    func overlayCommitted(networks: [String]) {
        guard !networks.isEmpty else { return }
        overlayWakeups.changed(networks: networks, hostsRealizing: hostsRealizing)
    }

    func waitForOverlayChange(host: String, timeout: Duration) async {
        await overlayWakeups.wait(host: host, timeout: timeout)
    }

    func close() async throws {
        for reader in readers { await reader.mutex.withLock { reader.connection.close() } }
        await mutex.withLock { writer.close() }
    }
}
