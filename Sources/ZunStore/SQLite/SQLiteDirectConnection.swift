import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO
// The C library SQLiteNIO is built on (its values, encoder, decoder and dialect are used here too): the one
// copy of SQLite in the process, as two copies in one process break each other's file locks.
import VaporCSQLite

/// A connection to the store's SQLite file whose statements run on the calling thread (docs/architecture.md,
/// "The store"): the writer, and each reader, used by one caller at a time under `SQLiteBackend`'s locks.
///
/// SQLiteNIO runs every statement on its thread pool and answers on an event loop: two thread hand-offs per
/// statement (and one more per row), for work that takes microseconds. A create and its reports are some
/// thirty statements, so the hand-offs, not SQLite, bounded the write path (BENCHMARKS.md). Here a statement
/// runs on the calling thread, prepared once per SQL text and kept. Only the writer's `COMMIT`, which waits for
/// the disk (`synchronous=FULL`), goes to the thread pool, so that no thread of Swift's cooperative pool waits.
final class SQLiteDirectConnection: @unchecked Sendable {
    // @unchecked: the handle and the statement cache are touched only by the holder of the backend's lock.
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]
    /// Set by `close`: a call after it (a request still in flight as the store shuts down) is refused rather than
    /// given a freed handle.
    private var isClosed = false
    let threadPool: NIOThreadPool
    let eventLoop: any EventLoop
    let logger: Logger

    private init(handle: OpaquePointer, threadPool: NIOThreadPool, eventLoop: any EventLoop, logger: Logger) {
        self.handle = handle
        self.threadPool = threadPool
        self.eventLoop = eventLoop
        self.logger = logger
    }

    static func open(path: String, logger: Logger) throws -> SQLiteDirectConnection {
        var handle: OpaquePointer?
        // NOMUTEX: the backend's locks already make each connection one caller's at a time.
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "code \(code)"
            if let handle { sqlite_nio_sqlite3_close(handle) }
            throw SQLiteDirectError(code: code, message: "cannot open \(path): \(message)")
        }
        return SQLiteDirectConnection(
            handle: handle, threadPool: .singleton, eventLoop: MultiThreadedEventLoopGroup.singleton.any(), logger: logger
        )
    }

    /// Runs one statement with its values bound, and returns its rows.
    func execute(_ sql: String, _ binds: [SQLiteData]) throws -> [SQLiteDirectRow] {
        guard !isClosed else { throw SQLiteDirectError(code: SQLITE_MISUSE, message: "the store is closed") }
        let (statement, kept) = try prepared(sql, parameters: binds.count)
        defer { if !kept { sqlite_nio_sqlite3_finalize(statement) } }
        // Every parameter is bound again at the next run, so the bindings are not cleared: clearing them expires a
        // statement whose plan looked at a bound value (`sqlite3_clear_bindings`), and SQLite then prepared the
        // claim, the usage read and the action lookup again at every run (5 % of the benchmark's time).
        defer { sqlite_nio_sqlite3_reset(statement) }
        for (index, value) in binds.enumerated() {
            try check(bind(value, at: Int32(index + 1), of: statement), sql)
        }
        let count = sqlite_nio_sqlite3_column_count(statement)
        var rows: [SQLiteDirectRow] = []
        var columns: [String]?
        while true {
            let step = sqlite_nio_sqlite3_step(statement)
            if step == SQLITE_DONE { return rows }
            guard step == SQLITE_ROW else { throw error(step, sql) }
            let names = columns ?? (0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) }
            columns = names
            rows.append(SQLiteDirectRow(columns: names, values: (0..<count).map { value(at: $0, of: statement) }))
        }
    }

    /// Runs `sql` (a `COMMIT`) on the thread pool: it waits for fsync.
    func executeOffThread(_ sql: String) async throws {
        try await threadPool.runIfActive { _ = try self.execute(sql, []) }
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements = [:]
        sqlite_nio_sqlite3_close(handle)
    }

    // MARK: Statements

    /// The statement of `sql`, and whether it is kept in the cache (one that is not is the caller's to finalize).
    private func prepared(_ sql: String, parameters: Int) throws -> (OpaquePointer, kept: Bool) {
        if let statement = statements[sql] { return (statement, true) }
        var statement: OpaquePointer?
        let code = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code, sql) }
        // Statements with generated text (batches of values, lists of ids) are many and used once: not kept, so
        // that they do not fill the cache that the statements run at every request need.
        guard parameters <= 64, statements.count < 512 else { return (statement, false) }
        statements[sql] = statement
        return (statement, true)
    }

    private func bind(_ value: SQLiteData, at index: Int32, of statement: OpaquePointer) -> Int32 {
        switch value {
        case .integer(let value): sqlite_nio_sqlite3_bind_int64(statement, index, Int64(value))
        case .float(let value): sqlite_nio_sqlite3_bind_double(statement, index, value)
        case .text(let value): sqlite_nio_sqlite3_bind_text64(statement, index, value, UInt64(value.utf8.count), Self.transient, UInt8(SQLITE_UTF8))
        case .blob(let value):
            value.withUnsafeReadableBytes { sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), Self.transient) }
        case .null: sqlite_nio_sqlite3_bind_null(statement, index)
        }
    }

    private func value(at column: Int32, of statement: OpaquePointer) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
        case SQLITE_FLOAT: .float(sqlite_nio_sqlite3_column_double(statement, column))
        case SQLITE_TEXT: sqlite_nio_sqlite3_column_text(statement, column).map { .text(String(cString: $0)) } ?? .null
        case SQLITE_BLOB:
            .blob(ByteBuffer(bytes: UnsafeRawBufferPointer(
                start: sqlite_nio_sqlite3_column_blob(statement, column), count: Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            )))
        default: .null
        }
    }

    /// SQLite copies bound text and blobs (`SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private func check(_ code: Int32, _ sql: String) throws {
        guard code == SQLITE_OK else { throw error(code, sql) }
    }

    private func error(_ code: Int32, _ sql: String) -> SQLiteDirectError {
        SQLiteDirectError(code: code, message: String(cString: sqlite_nio_sqlite3_errmsg(handle)))
    }
}

/// A failed statement of the writer: SQLite's result code and message (a constraint, a busy database).
struct SQLiteDirectError: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var description: String { "SQLite error \(code): \(message)" }
}

/// A row the writer read.
struct SQLiteDirectRow: SQLRow {
    let columns: [String]
    let values: [SQLiteData]

    var allColumns: [String] { columns }

    func contains(column: String) -> Bool { columns.contains(column) }

    func decodeNil(column: String) throws -> Bool {
        guard let value = try? self.value(column) else { return true }
        return value == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        let value = try self.value(column)
        if let direct = Self.direct(value, as: type) { return direct }
        return try SQLiteDataDecoder().decode(D.self, from: value)
    }

    /// The store's columns are text, integers and reals read as `String`, `Int` and `Double` (or optionals of
    /// them): cast directly rather than through a `Decoder`, which was a tenth of the write path's time.
    private static func direct<D>(_ value: SQLiteData, as type: D.Type) -> D? {
        switch value {
        case .text(let text): (text as? D) ?? (Optional(text) as? D)
        case .integer(let int): (int as? D) ?? (Optional(int) as? D) ?? (Double(int) as? D) ?? (Optional(Double(int)) as? D)
        case .float(let double): (double as? D) ?? (Optional(double) as? D)
        case .null: (String?.none as? D) ?? (Int?.none as? D) ?? (Double?.none as? D)
        case .blob: nil
        }
    }

    private func value(_ column: String) throws -> SQLiteData {
        guard let index = columns.firstIndex(of: column) else {
            throw DecodingError.keyNotFound(SQLiteDirectColumn(stringValue: column), .init(codingPath: [], debugDescription: "no column \(column)"))
        }
        return values[index]
    }
}

private struct SQLiteDirectColumn: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A direct connection as SQLKit's `SQLDatabase`, so that the store's statements (written with SQLKit's
/// interpolation) run on it unchanged.
struct SQLiteDirectDatabase: SQLDatabase {
    let connection: SQLiteDirectConnection

    var logger: Logger { connection.logger }
    var eventLoop: any EventLoop { connection.eventLoop }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeCompletedFuture { try run(query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try run(query, onRow)
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> Void) throws {
        let (sql, binds) = serialize(query)
        let encoder = SQLiteDataEncoder()
        for row in try connection.execute(sql, try binds.map { try encoder.encode($0) }) { onRow(row) }
    }
}
