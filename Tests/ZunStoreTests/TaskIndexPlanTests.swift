import Foundation
import SQLKit
import Testing
@testable import ZunStore
import ZunTestSupport

/// The index of a host's unfinished tasks (migration 15) is what a claim reads: its condition written as the
/// store writes it (`SQLStore.unfinished`) lets each database use it. Without it, a claim would read every task a
/// host ever ran.
struct TaskIndexPlanTests {
    @Test(arguments: TestSupport.Backend.allCases)
    func aHostsUnfinishedTasksAreReadThroughTheirIndex(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let probe = "SELECT 1 AS found FROM task WHERE host = 'h1' AND \(SQLStore.unfinished()) AND (state = 'pending' OR (state = 'running' AND lease_until < 0)) LIMIT 1"
            let claim = "SELECT * FROM task t WHERE t.host = 'h1' AND \(SQLStore.unfinished("t.state")) AND (t.state = 'pending' OR (t.state = 'running' AND t.lease_until < 0)) ORDER BY t.id LIMIT 8"
            for query in [probe, claim] {
                let plan: String = try await store.backend.transaction { db in
                    switch backend {
                    case .sqlite:
                        return try await db.run("EXPLAIN QUERY PLAN \(unsafeRaw: query)").compactMap { try $0.string("detail") }.joined(separator: "; ")
                    case .postgres:
                        // An empty table is read whole however it is indexed; forbid that to see which index applies.
                        try await db.run("SET LOCAL enable_seqscan = off")
                        return try await db.run("EXPLAIN \(unsafeRaw: query)").compactMap { try $0.string("QUERY PLAN") }.joined(separator: "; ")
                    }
                }
                #expect(plan.contains("task_host_unfinished"), "\(query): \(plan)")
            }
        }
    }
}
