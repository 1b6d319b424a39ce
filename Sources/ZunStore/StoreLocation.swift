import Foundation
import Logging
import PostgresKit
import PostgresNIO

/// Where the store lives: an SQLite file or a PostgreSQL database (`postgres://user:pass@host:port/db`).
public enum StoreLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(host: String, port: Int, username: String, password: String?, database: String)

    /// Parses `postgres://…`/`postgresql://…` URLs, `sqlite:///path` or a plain file path.
    public init(_ value: String) throws {
        if value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") {
            guard let url = URLComponents(string: value), let host = url.host, !host.isEmpty else {
                throw StoreError("invalid PostgreSQL URL \(value)")
            }
            let database = String(url.path.drop { $0 == "/" })
            self = .postgres(
                host: host, port: url.port ?? 5432, username: url.user ?? "postgres", password: url.password,
                database: database.isEmpty ? "zun" : database
            )
        } else if value.hasPrefix("sqlite://") {
            self = .sqlite(path: String(value.dropFirst("sqlite://".count)))
        } else {
            self = .sqlite(path: value)
        }
    }
}

extension SQLStore {
    /// Opens an SQLite store (creating the file) and migrates it. Call `close()` when done.
    public static func openSQLite(path: String, logger: Logger) async throws -> SQLStore {
        let backend = try await SQLiteBackend.open(path: path, logger: logger)
        let store = SQLStore(backend: backend, logger: logger, onClose: { try await backend.close() })
        try await store.migrate()
        return store
    }

    /// Retries the first contact for up to 30 s, so roles may start before the database does.
    static func migrateWhenReachable(_ store: SQLStore, logger: Logger) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                return try await store.migrate()
            } catch {
                guard ContinuousClock.now < deadline else { throw StoreError("database unreachable: \(String(reflecting: error))") }
                logger.warning("database not ready; retrying", metadata: ["error": "\(String(reflecting: error))"])
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// PostgreSQL connections one process opens at most unless told otherwise. Measured (BENCHMARKS.md, "third
    /// pass"): two replicas serving 5,000 hosts use all 16 each; 40 each made creates 26 % faster, but 80 connections
    /// come close to PostgreSQL's default `max_connections` of 100, so the larger pool is the operator's choice
    /// (`zun api --database-pool-size`).
    public static let defaultPoolSize = 16

    /// Runs `body` with a migrated store at `location`. For PostgreSQL the connection pool (at most `poolSize`
    /// connections) and the task notification listener run as child tasks for exactly the duration of `body`.
    public static func withStore<T: Sendable>(
        at location: StoreLocation, poolSize: Int = defaultPoolSize, logger: Logger, _ body: @Sendable (SQLStore) async throws -> T
    ) async throws -> T {
        switch location {
        case .sqlite(let path):
            let store = try await openSQLite(path: path, logger: logger)
            do {
                let result = try await body(store)
                try await store.close()
                return result
            } catch {
                try? await store.close()
                throw error
            }
        case .postgres(let host, let port, let username, let password, let database):
            var configuration = PostgresClient.Configuration(
                host: host, port: port, username: username, password: password, database: database, tls: .disable
            )
            configuration.options.maximumConnections = max(1, poolSize)
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            let backend = PostgresBackend(client: client, logger: logger)
            let store = SQLStore(backend: backend, logger: logger, onClose: {})
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                group.addTask { await backend.listenForTasks() }
                defer { group.cancelAll() }
                try await migrateWhenReachable(store, logger: logger)
                return try await body(store)
            }
        }
    }
}
