import Foundation
import Logging
import NIOConcurrencyHelpers
import SQLKit
import ZunCore

/// The store on SQL: one implementation for SQLite and PostgreSQL, with the differences in `SQLBackend`.
///
/// Containers and compute nodes keep their whole record as JSON in `data`, next to the columns that lists
/// filter and sort on; those columns are derived from the record on every write.
public final class SQLStore: ZunStore {
    let backend: any SQLBackend
    let logger: Logger
    /// Write transactions and commits so far (the benchmarks' write cost per container).
    public var counters: StoreCounters { backend.counters }
    /// The time written into records (`updated_at`, the stamps of incremental refreshes).
    let clock: any WallClock
    private let onClose: @Sendable () async throws -> Void
    /// The last address allocated on each network (SQLite only, where this process is the one writer): the
    /// next create tries the address after it with a single insert, the unique index checking it.
    let addressHints = NIOLockedValueBox<[String: IPv4Address]>([:])

    init(
        backend: any SQLBackend, logger: Logger, clock: any WallClock = SystemWallClock(),
        onClose: @escaping @Sendable () async throws -> Void
    ) {
        self.backend = backend
        self.logger = logger
        self.clock = clock
        self.onClose = onClose
    }

    public var dialect: StoreDialect { backend.dialect }

    /// Closes the underlying connection (SQLite); the PostgreSQL pool ends with its `run()`.
    public func close() async throws { try await onClose() }

    static let migrationLockKey = 0x7a756e  // "zun"

    /// `items` in runs of 500, one statement each: 500 bound values (or rows of a few) stay under both
    /// databases' limits on the values one statement binds.
    static func statementChunks<T>(_ items: [T]) -> [ArraySlice<T>] {
        stride(from: 0, to: items.count, by: 500).map { items[$0..<min($0 + 500, items.count)] }
    }

    /// The records whose key is one of `keys`, read on a reader in statements of `statementChunks`: `select`
    /// makes the statement for a chunk of keys, `decode` a record of each row.
    func records<T: Sendable>(
        keyedBy keys: [String], _ select: @escaping @Sendable ([String]) -> SQLQueryString,
        decode: @escaping @Sendable (any SQLRow) throws -> T
    ) async throws -> [T] {
        guard !keys.isEmpty else { return [] }
        return try await backend.readEach { db in
            var found: [T] = []
            for chunk in Self.statementChunks(keys) { found += try await db.run(select(Array(chunk))).map(decode) }
            return found
        }
    }

    /// Applies every migration step not yet applied, in one transaction.
    func migrate() async throws {
        try await backend.transaction { db in
            if self.dialect == .postgres {
                // Serialise concurrent starters (API replicas, agents) on the migration, table creation included.
                try await db.run("SELECT pg_advisory_xact_lock(\(bind: Self.migrationLockKey))")
            }
            try await db.run("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            let current = try await db.run("SELECT MAX(version) AS v FROM schema_version").first?.int("v") ?? 0
            for (index, step) in Migrations.steps(for: self.dialect).enumerated() where index + 1 > current {
                for statement in step { try await db.run(SQLQueryString(statement)) }
                try await db.run("INSERT INTO schema_version (version) VALUES (\(bind: index + 1))")
                self.logger.info("applied store migration", metadata: ["version": "\(index + 1)"])
            }
        }
    }
}

func json(_ value: some Encodable) throws -> String {
    String(decoding: try StoreCoding.encoder.encode(value), as: UTF8.self)
}

/// JSON coding of records kept in `data` columns.
enum StoreCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }()
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()
}
