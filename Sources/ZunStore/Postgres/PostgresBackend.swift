import Foundation
import NIOConcurrencyHelpers
import Logging
import PostgresKit
import PostgresNIO
import SQLKit

/// PostgreSQL through a `PostgresClient` pool. Tasks wake agents in every process with `NOTIFY zun_tasks`
/// (sent on commit), received by a `LISTEN` loop; waiters also poll, so a lost notification costs one timeout.
/// Port changes of a network travel on the same channel, as `network:<uuid>` (a host name has no colon).
final class PostgresBackend: SQLBackend {
    let dialect = StoreDialect.postgres
    static let channel = "zun_tasks"
    let counters = StoreCounters()
    let client: PostgresClient
    private let wakeups = TaskWakeups()
    private let overlayWakeups: OverlayWakeups
    private let logger: Logger
    static let networkPrefix = "network:"

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        self.overlayWakeups = OverlayWakeups(logger: logger)
    }

    @discardableResult
    func transaction<T: Sendable>(named operation: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        counters.transactionStarted(operation)
        let asked = ContinuousClock.now
        defer { counters.transactionFinished(operation, after: ContinuousClock.now - asked) }
        let result = try await Self.withDeadline(operationTimeout) {
            try await self.withDatabase { db in try await SQLTransaction.run(on: db, begin: "BEGIN", body) }
        }
        counters.committed()
        return result
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await Self.withDeadline(operationTimeout) {
            try await self.withDatabase(body)
        }
    }

    /// The names of the statements prepared on this process's connections.
    let statementNames = StatementNames()

    /// `ZUN_POSTGRES_UNNAMED_STATEMENTS=1` sends every statement unnamed, as before prepared statements: kept only
    /// to measure the difference (BENCHMARKS.md).
    private static let unnamedStatements = ProcessInfo.processInfo.environment["ZUN_POSTGRES_UNNAMED_STATEMENTS"] == "1"

    /// Runs `body` on a pooled connection. A connection whose prepared statements a failed preparation spoiled
    /// is closed once `body` is done with it (closing it sooner would leave the transaction's `ROLLBACK` waiting),
    /// and the pool opens a clean one.
    private func withDatabase<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            if Self.unnamedStatements { return try await body(connection.sql(queryLogLevel: nil)) }
            let db = PreparingPostgresDatabase(connection: connection, names: self.statementNames)
            let result: Result<T, any Error>
            do { result = .success(try await body(db)) } catch { result = .failure(error) }
            if db.isSpoiled {
                self.logger.debug("closing a connection whose prepared statements a failed preparation spoiled")
                try? await connection.close()
            }
            return try result.get()
        }
    }

    /// No store call may wait longer than this. Seen here: across a server restart a call could wait forever
    /// on the pool; bounding it turns that into an error the caller retries (tasks are deferred and rerun).
    let operationTimeout: Duration = .seconds(20)

    /// Runs `operation`, or throws when it has not finished by `timeout` (it is then cancelled and abandoned).
    static func withDeadline<T: Sendable>(
        _ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let resumed = NIOLockedValueBox(false)
        let claim: @Sendable () -> Bool = { resumed.withLockedValue { done in defer { done = true }; return !done } }
        return try await withCheckedThrowingContinuation { continuation in
            // The deadline is an entry on the shared wheel, gone when the call answers (a `Task.sleep` per call
            // kept a timer alive for 20 s after each of thousands of calls a second).
            let deadline = NIOLockedValueBox<TimeoutWheel.Token?>(nil)
            let work = Task {
                do {
                    let value = try await operation()
                    if claim() { continuation.resume(returning: value) }
                } catch {
                    if claim() { continuation.resume(throwing: error) }
                }
                if let token = deadline.withLockedValue({ $0 }) { TimeoutWheel.shared.cancel(token) }
            }
            let token = TimeoutWheel.shared.schedule(after: timeout) {
                if claim() {
                    work.cancel()
                    continuation.resume(throwing: StoreError("database call did not finish within \(timeout)", outcomeUnknown: true))
                }
            }
            deadline.withLockedValue { $0 = token }
        }
    }

    func taskWritten(host: String, in db: any SQLDatabase) async throws {
        try await db.run("SELECT pg_notify(\(bind: Self.channel), \(bind: host))")
    }

    func insertTask(_ insert: SQLQueryString, host: String, in db: any SQLDatabase) async throws {
        try await db.run("WITH written AS (" + insert + " RETURNING host) SELECT pg_notify(\(bind: Self.channel), host) FROM written")
    }

    func taskCommitted(host: String) { wakeups.signal(host: host) }

    func waitForTasks(host: String, timeout: Duration) async -> Bool {
        await wakeups.wait(host: host, timeout: timeout)
    }

    func overlayChanged(networks: [String], in db: any SQLDatabase) async throws {
        for network in Set(networks) {
            try await db.run("SELECT pg_notify(\(bind: Self.channel), \(bind: Self.networkPrefix + network))")
        }
    }

    /// Nothing to do here: the notification comes back to this process's `LISTEN` loop as to every other's.
    func overlayCommitted(networks: [String]) {}

    func waitForOverlayChange(host: String, timeout: Duration) async {
        await overlayWakeups.wait(host: host, timeout: timeout)
    }

    /// Receives task notifications until cancelled, reconnecting after failures.
    func listenForTasks() async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        for try await notification in notifications {
                            let payload = notification.payload
                            if payload.hasPrefix(Self.networkPrefix) {
                                self.overlayWakeups.changed(networks: [String(payload.dropFirst(Self.networkPrefix.count))], hostsRealizing: self.hostsRealizing)
                            } else {
                                self.wakeups.signal(host: payload)
                            }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.debug("task notifications interrupted; reconnecting", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
