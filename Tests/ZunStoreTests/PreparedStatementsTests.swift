import Foundation
import SQLKit
import Testing
import ZunCore
@testable import ZunStore
import ZunTestSupport

/// On PostgreSQL the store runs its statements as named prepared statements (`PreparingPostgresDatabase`): each
/// statement text is parsed and planned once per connection, values always match the types it was prepared
/// with, and a statement whose preparation failed does not stay broken on its connection.
struct PreparedStatementsTests {
    /// Two connections: one is the task notifications' `LISTEN`, so every statement below runs on the other.
    static func withOneConnectionStore<T: Sendable>(_ body: @Sendable (SQLStore) async throws -> T) async throws -> T {
        let location = try await TestSupport.freshPostgresDatabase()
        return try await SQLStore.withStore(at: location, poolSize: 2, logger: TestSupport.logger, body)
    }

    @Test func aStatementIsPreparedOnceAndRunAgain() async throws {
        try await Self.withOneConnectionStore { store in
            for index in 0..<12 {
                try await store.createContainer(TestSupport.container("c\(index)"), action: nil, task: nil)
            }
            let rows = try await store.backend.read { db in
                try await db.run("SELECT generic_plans + custom_plans AS runs FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO container (%'")
            }
            let runs = try rows.map { try $0.int("runs") ?? 0 }
            // The insert was prepared once on the connection and served all twelve creates.
            #expect(runs == [12])
        }
    }

    @Test func aValueAndANullOfOneStatementEachRunWithTheirOwnTypes() async throws {
        try await Self.withOneConnectionStore { store in
            for value in [String?.none, "7", nil, "8"] {
                let rows = try await store.backend.read { db in
                    try await db.run("SELECT CAST(\(bind: value) AS text) IS NULL AS missing, \(bind: 1) + 1 AS two")
                }
                #expect(try rows.first?.decode(column: "missing", as: Bool.self) == (value == nil))
                #expect(try rows.first?.int("two") == 2)
            }
            let names = try await store.backend.read { db in
                try await db.run("SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE 'SELECT CAST(%'")
            }
            #expect(try names.first?.int("n") == 2)
        }
    }

    /// PostgresNIO remembers a failed preparation for its connection's life. The statement below is first
    /// prepared inside a transaction that an error has already aborted, so its preparation fails; run again
    /// afterwards, it must work (the spoiled connection was replaced), and so must the store.
    @Test func aPreparationThatFailedDoesNotBreakTheStatementLater() async throws {
        try await Self.withOneConnectionStore { store in
            let statement: @Sendable (any SQLDatabase) async throws -> Int? = { db in
                try await db.run("SELECT \(bind: 41) + 1 AS answer").first?.int("answer")
            }
            await #expect(throws: (any Error).self) {
                try await store.backend.transaction { db in
                    _ = try? await db.run("SELECT 1 / \(bind: 0) AS never")
                    return try await statement(db)
                }
            }
            #expect(try await store.backend.read(statement) == 42)
            try await store.createContainer(TestSupport.container("after"), action: nil, task: nil)
            #expect(try await store.containers(named: "after", projectID: "p1").count == 1)
        }
    }

    /// A name per (text, parameter types), the same on every call; past the capacity, new texts get none (they
    /// run unnamed) while named ones keep their names.
    @Test func statementNamesAreStableDistinctAndBounded() {
        let names = StatementNames(capacity: 2)
        let text = names.name(sql: "SELECT $1", parameterTypes: [25])
        #expect(text != nil)
        #expect(names.name(sql: "SELECT $1", parameterTypes: [25]) == text)
        let null = names.name(sql: "SELECT $1", parameterTypes: [0])
        #expect(null != nil && null != text)
        #expect(names.name(sql: "SELECT $2", parameterTypes: [25]) == nil)
        #expect(names.name(sql: "SELECT $1", parameterTypes: [0]) == null)
    }
}
