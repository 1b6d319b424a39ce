import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit

/// A `SQLDatabase` over one pooled `PostgresConnection` that runs the store's statements as named prepared
/// statements, so PostgreSQL parses, analyses and plans each statement text once per connection instead of at
/// every run (a third of PostgreSQL's CPU on the create path went there; docs/architecture.md, "The store").
///
/// PostgresNIO prepares a `PostgresPreparedStatement` on a connection at its first run and keeps it by name; it
/// declares the parameter types of that first run. So a statement's name here stands for its SQL text *and* its
/// parameter types: a statement run once with a NULL (type unspecified) and once with a text gets two names, and
/// the values bound always match the types the server prepared.
///
/// Statements take the plain (unnamed) path when preparing them would not pay or not be safe: transaction control
/// and other utility statements, statements with many parameters (generated lists, whose texts vary with their
/// length), a value PostgresNIO cannot bind directly, and any text once `StatementNames` is full.
struct PreparingPostgresDatabase: SQLDatabase {
    let connection: PostgresConnection
    let names: StatementNames
    private let plain: any SQLDatabase
    private let spoiled = NIOLockedValueBox(false)

    /// Whether a statement's error may have left the connection unable to run that statement again.
    var isSpoiled: Bool { spoiled.withLockedValue { $0 } }

    init(connection: PostgresConnection, names: StatementNames) {
        self.connection = connection
        self.names = names
        self.plain = connection.sql(queryLogLevel: nil)
    }

    var logger: Logger { connection.logger }
    var eventLoop: any EventLoop { connection.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var dialect: any SQLDialect { plain.dialect }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds) = serialize(query)
        guard let statement = preparedStatement(sql: sql, binds: binds) else {
            try await plain.execute(sql: query, onRow)
            return
        }
        do {
            let rows = try await NamedStatement.$current.withValue((statement.name, sql)) {
                try await connection.execute(statement, logger: connection.logger)
            }
            for try await row in rows { onRow(row.sql()) }
        } catch {
            // PostgresNIO remembers a failed preparation for the connection's life, and a prepared plan whose
            // result columns changed under it cannot run again: the connection is marked, for its user to close
            // when done with it (the transaction fails as it would have anyway).
            if Self.mayHaveSpoiledTheConnection(error) { spoiled.withLockedValue { $0 = true } }
            throw error
        }
    }

    /// The named statement for `sql`, or nil when it should run unnamed.
    private func preparedStatement(sql: String, binds: [any Encodable & Sendable]) -> NamedStatement? {
        guard binds.count <= Self.maximumParameters, Self.isPreparable(sql) else { return nil }
        var bindings = PostgresBindings(capacity: binds.count)
        var types = [UInt32]()
        types.reserveCapacity(binds.count)
        for bind in binds {
            if let optional = bind as? any OptionalValue, optional.isNone {
                bindings.appendNull()
                types.append(PostgresDataType.null.rawValue)
            } else if let value = bind as? any PostgresThrowingDynamicTypeEncodable {
                guard (try? bindings.append(value, context: .default)) != nil else { return nil }
                types.append(value.psqlType.rawValue)
            } else {
                return nil
            }
        }
        guard let name = names.name(sql: sql, parameterTypes: types) else { return nil }
        return NamedStatement(name: name, bindings: bindings)
    }

    /// More parameters than this means a generated statement (a list of ids, a batch of rows), whose text
    /// changes with its length: preparing every length would fill the server's and PostgresNIO's caches.
    static let maximumParameters = 32

    /// Only data statements: `BEGIN`, `COMMIT`, `SET`, DDL and the like are cheap to parse and some may not be
    /// prepared at all.
    static func isPreparable(_ sql: String) -> Bool {
        let head = sql.prefix(7).uppercased()
        return head.hasPrefix("SELECT") || head.hasPrefix("INSERT") || head.hasPrefix("UPDATE")
            || head.hasPrefix("DELETE") || head.hasPrefix("WITH")
    }

    /// Errors that can come from a statement's preparation (syntax, names, types; a transaction already
    /// aborted; a cached plan gone stale) or from the connection itself. Constraint violations, serialization
    /// failures, lock waits and the like come from running the statement and leave the connection sound.
    static func mayHaveSpoiledTheConnection(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return !(error is CancellationError) }
        guard let state = error.serverInfo?[.sqlState] else { return true }
        return state.hasPrefix("42") || state.hasPrefix("26") || state.hasPrefix("0A") || state == "25P02"
    }
}

/// The name of each (SQL text, parameter types) the process has prepared, shared by every connection: names are
/// short, and the set stays bounded (past `capacity`, new texts run unnamed).
final class StatementNames: Sendable {
    private struct Key: Hashable { var sql: String; var parameterTypes: [UInt32] }
    private let names = NIOLockedValueBox([Key: String]())
    let capacity: Int

    init(capacity: Int = 1_000) { self.capacity = capacity }

    func name(sql: String, parameterTypes: [UInt32]) -> String? {
        let key = Key(sql: sql, parameterTypes: parameterTypes)
        return names.withLockedValue { names in
            if let name = names[key] { return name }
            guard names.count < capacity else { return nil }
            let name = "zun_\(names.count + 1)"
            names[key] = name
            return name
        }
    }
}

/// One run of a named statement. PostgresNIO reads a prepared statement's name and text from its type; the store's
/// statements are known only at run time, so they come from a task-local set around the one call that reads them
/// (`PostgresConnection.execute`).
private struct NamedStatement: PostgresPreparedStatement {
    @TaskLocal static var current: (name: String, sql: String) = ("", "")
    static var name: String { current.name }
    static var sql: String { current.sql }

    let name: String
    let bindings: PostgresBindings

    func makeBindings() -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

/// Lets a bound value wrapped in `any Encodable` say whether it is a nil optional.
private protocol OptionalValue { var isNone: Bool { get } }
extension Optional: OptionalValue {
    var isNone: Bool { self == nil }
}
