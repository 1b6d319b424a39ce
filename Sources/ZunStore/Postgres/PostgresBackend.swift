import Foundation
import Logging
import PostgresKit
import PostgresNIO
import SQLKit

/// PostgreSQL through a `PostgresClient` pool. Tasks wake agents in every process with `NOTIFY zun_tasks`
/// (sent on commit), received by a `LISTEN` loop; waiters also poll, so a lost notification costs one timeout.
final class PostgresBackend: SQLBackend {
    let dialect = StoreDialect.postgres
    static let channel = "zun_tasks"
    let client: PostgresClient
    private let wakeups = TaskWakeups()
    private let logger: Logger

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    @discardableResult
    func transaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await SQLTransaction.run(on: connection.sql(queryLogLevel: nil), begin: "BEGIN", body)
        }
    }

    func read<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in try await body(connection.sql(queryLogLevel: nil)) }
    }

    func taskWritten(host: String, in db: any SQLDatabase) async throws {
        try await db.rows("SELECT pg_notify(?, ?)", [Self.channel, host])
    }

    func taskCommitted(host: String) { wakeups.signal(host: host) }

    func waitForTasks(host: String, timeout: Duration) async {
        await wakeups.wait(host: host, timeout: timeout)
    }

    /// Receives task notifications until cancelled, reconnecting after failures.
    func listenForTasks() async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        for try await notification in notifications {
                            self.wakeups.signal(host: notification.payload)
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
