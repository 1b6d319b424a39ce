import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// Concurrent transactions share commits on SQLite; each still succeeds or fails on its own, and what
/// succeeded is durable (visible after reopening the file).
struct GroupCommitTests {
    @Test func concurrentTransactionsSucceedOrFailIndependentlyAndSurviveReopen() async throws {
        let path = try TestSupport.temporaryDirectory() + "/zun.sqlite"
        let store = try await SQLStore.openSQLite(path: path, logger: TestSupport.logger)
        let uuids = (0..<300).map { _ in UUID().uuidString.lowercased() }
        // Every tenth create reuses an earlier uuid: a unique-constraint failure inside a batch.
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for i in 0..<300 {
                let uuid = i % 10 == 9 ? uuids[i - 9] : uuids[i]
                group.addTask {
                    if i % 10 == 9 { try await Task.sleep(for: .milliseconds(20)) }  // after the original
                    let c = Container(uuid: uuid, name: "c\(i)", projectID: "p", userID: "u", image: "busybox", cpu: 0.1, memory: "64", createdAt: Date())
                    do {
                        try await store.createContainer(c, action: nil, task: nil)
                        return (i, true)
                    } catch {
                        return (i, false)
                    }
                }
            }
            return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.filter { $0.key % 10 == 9 }.allSatisfy { !$0.value }, "duplicates fail")
        #expect(outcomes.filter { $0.key % 10 != 9 }.allSatisfy { $0.value }, "the rest commit")
        try await store.close()
        let reopened = try await SQLStore.openSQLite(path: path, logger: TestSupport.logger)
        #expect(try await reopened.listContainers(.init(limit: 1000)).count == 270)
        try await reopened.close()
    }

    /// Transactions that queue while a batch's bodies run join that batch's COMMIT (one fsync for all of them),
    /// rather than waiting for the next.
    @Test func transactionsQueuedWhileABatchRunsJoinItsCommit() async throws {
        try await TestSupport.withStore(.sqlite) { store in
            let gate = AsyncStream.makeStream(of: Void.self)
            let before = store.counters.snapshot
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Holds the writer until the others are queued behind it.
                group.addTask {
                    try await store.writeReports { _ in
                        for await _ in gate.stream { break }
                    }
                }
                _ = try await TestSupport.eventually(timeout: .seconds(10), interval: .milliseconds(10)) {
                    (store.counters.snapshot - before).transactions == 1 ? true : nil
                }
                for i in 0..<2 {
                    group.addTask { try await store.createContainer(TestSupport.container("joiner\(i)"), action: nil, task: nil) }
                }
                _ = try await TestSupport.eventually(timeout: .seconds(10), interval: .milliseconds(10)) {
                    (store.counters.snapshot - before).transactions == 3 ? true : nil
                }
                // A create queues right after it is counted, with nothing to wait for in between.
                try await Task.sleep(for: .milliseconds(200))
                gate.continuation.yield()
                try await group.waitForAll()
            }
            let counted = store.counters.snapshot - before
            #expect(counted.transactions == 3)
            #expect(counted.commits == 1, "the two creates joined the running batch's commit")
            #expect(try await store.listContainers(.init()).count == 2)
        }
    }

    /// The writer's counters (BENCHMARKS.md reads them): the time it was held covers every transaction's
    /// statements and COMMIT, and the time in COMMIT is a part of it. PostgreSQL has no single writer: zero.
    @Test(arguments: TestSupport.Backend.allCases)
    func theWritersTimeHeldAndCommittingAreCounted(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let before = store.counters.snapshot
            let started = ContinuousClock.now
            for i in 0..<20 {
                try await store.createContainer(TestSupport.container("w\(i)"), action: nil, task: nil)
            }
            let elapsed = ContinuousClock.now - started
            let counted = store.counters.snapshot - before
            #expect(counted.transactions == 20)
            switch backend {
            case .sqlite:
                #expect(counted.writerCommitting > .zero, "each COMMIT waits for an fsync")
                #expect(counted.writerHeld > counted.writerCommitting, "the statements come before the COMMIT")
                #expect(counted.writerHeld <= elapsed, "one create at a time: held no longer than the loop ran")
            case .postgres:
                #expect(counted.writerHeld == .zero && counted.writerCommitting == .zero)
            }
        }
    }
}
