import NIOConcurrencyHelpers
import SQLKit

/// Group commit for the single SQLite connection: transactions that arrive while another is running
/// are run together in one SQLite transaction, each inside its own savepoint (so one failing body rolls
/// back only itself), and made durable by one `COMMIT` — one fsync for the whole batch instead of one
/// each. Every caller gets its answer only after that commit, so nothing is acknowledged before it is
/// durable. Under no load a batch is a single transaction, as before.
final class GroupCommit: Sendable {
    /// One queued transaction: its body, and where its outcome goes.
    private final class Pending: Sendable {
        let work: @Sendable (any SQLDatabase) async throws -> Void
        let outcome = Outcome()
        init(work: @escaping @Sendable (any SQLDatabase) async throws -> Void) { self.work = work }
    }

    private struct Queue {
        var pending: [Pending] = []
        var draining = false
    }

    private let queue = NIOLockedValueBox(Queue())
    private let maxBatch: Int
    private let batchesPerLead = 8

    init(maxBatch: Int = 128) {
        self.maxBatch = maxBatch
    }

    /// Runs `body` in a transaction, possibly batched with others; `execute` runs a batch on the connection.
    func transaction<T: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> T,
        execute: @escaping @Sendable (_ batch: @Sendable (any SQLDatabase) async throws -> Void) async throws -> Void
    ) async throws -> T {
        let result = NIOLockedValueBox<T?>(nil)
        let pending = Pending { db in
            let value = try await body(db)
            result.withLockedValue { $0 = value }
        }
        let leads = queue.withLockedValue { queue in
            queue.pending.append(pending)
            if queue.draining { return false }
            queue.draining = true
            return true
        }
        // The caller that finds the queue idle runs the next batch (its own transaction first in it); it
        // then hands the lead to the oldest waiting caller, so no caller drains others' work for long.
        if leads { await runBatches(execute) }
        while try await pending.outcome.wait() { await runBatches(execute) }
        return result.withLockedValue { $0 }!
    }

    /// Runs up to `batchesPerLead` batches while work is queued (a hand-off costs a thread wake-up),
    /// then hands the lead on.
    private func runBatches(_ execute: @Sendable (_ batch: @Sendable (any SQLDatabase) async throws -> Void) async throws -> Void) async {
        for _ in 0..<batchesPerLead - 1 {
            guard queue.withLockedValue({ $0.pending.count > 1 }) else { break }
            await runBatch(execute, handOff: false)
        }
        await runBatch(execute, handOff: true)
    }

    private func runBatch(_ execute: @Sendable (_ batch: @Sendable (any SQLDatabase) async throws -> Void) async throws -> Void, handOff: Bool) async {
        let batch: [Pending] = queue.withLockedValue { queue in
            let batch = Array(queue.pending.prefix(maxBatch))
            queue.pending.removeFirst(batch.count)
            return batch
        }
        if !batch.isEmpty { await run(batch, execute) }
        guard handOff else { return }
        let next: Pending? = queue.withLockedValue { queue in
            guard let first = queue.pending.first else {
                queue.draining = false
                return nil
            }
            return first
        }
        next?.outcome.promote()
    }

    /// One SQLite transaction for the whole batch, a savepoint per body; answers each body after COMMIT.
    /// Transactions that arrive while the batch's bodies run join it before the `COMMIT` (while it holds fewer
    /// than `maxBatch`): one commit then covers more of them, and a commit's cost (the WAL pages of each
    /// table's and index's last pages, the fsync) is shared more widely.
    private func run(_ batch: [Pending], _ execute: @Sendable (_ batch: @Sendable (any SQLDatabase) async throws -> Void) async throws -> Void) async {
        let failures = NIOLockedValueBox<[ObjectIdentifier: any Error]>([:])
        let ran = NIOLockedValueBox(batch)
        do {
            try await execute { db in
                var next = batch
                if batch.count == 1 {
                    // A lone body needs no savepoint: should it fail, the whole transaction fails with it.
                    try await batch[0].work(db)
                    next = []
                }
                var index = 0
                while true {
                    for item in next {
                        try await db.run("SAVEPOINT b\(literal: index)")
                        do {
                            try await item.work(db)
                            try await db.run("RELEASE b\(literal: index)")
                        } catch {
                            try await db.run("ROLLBACK TO b\(literal: index)")
                            try await db.run("RELEASE b\(literal: index)")
                            failures.withLockedValue { $0[ObjectIdentifier(item)] = error }
                        }
                        index += 1
                    }
                    next = self.joiners(alongside: ran)
                    if next.isEmpty { return }
                }
            }
            let failed = failures.withLockedValue { $0 }
            for item in ran.withLockedValue({ $0 }) { item.outcome.complete(failed[ObjectIdentifier(item)]) }
        } catch {
            // The batch did not commit (or a lone body failed): every transaction in it failed.
            for item in ran.withLockedValue({ $0 }) { item.outcome.complete(error) }
        }
    }

    /// The transactions queued meanwhile that join the running batch `ran` (and are added to it).
    private func joiners(alongside ran: NIOLockedValueBox<[Pending]>) -> [Pending] {
        let room = maxBatch - ran.withLockedValue { $0.count }
        guard room > 0 else { return [] }
        let joining: [Pending] = queue.withLockedValue { queue in
            let joining = Array(queue.pending.prefix(room))
            queue.pending.removeFirst(joining.count)
            return joining
        }
        ran.withLockedValue { $0 += joining }
        return joining
    }
}

/// Where a queued transaction learns its outcome, or that it must now run the next batch.
final class Outcome: Sendable {
    private enum State {
        case pending
        case promoted
        case waiting(CheckedContinuation<Bool, any Error>)
        case done((any Error)?)
    }

    private let state = NIOLockedValueBox(State.pending)

    /// The transaction committed (nil) or failed.
    func complete(_ error: (any Error)?) {
        let waiter: CheckedContinuation<Bool, any Error>? = state.withLockedValue { state in
            defer { state = .done(error) }
            if case .waiting(let continuation) = state { return continuation }
            return nil
        }
        guard let waiter else { return }
        if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: false) }
    }

    /// The owner must run the next batch.
    func promote() {
        let waiter: CheckedContinuation<Bool, any Error>? = state.withLockedValue { state in
            if case .waiting(let continuation) = state {
                state = .pending
                return continuation
            }
            state = .promoted
            return nil
        }
        waiter?.resume(returning: true)
    }

    /// True: run the next batch, then wait again. False: committed. Throws the transaction's error.
    func wait() async throws -> Bool {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Bool, any Error>) in
            enum Now { case lead, done((any Error)?), later }
            let now: Now = state.withLockedValue { state in
                switch state {
                case .done(let error): return .done(error)
                case .promoted:
                    state = .pending
                    return .lead
                case .pending, .waiting:
                    state = .waiting(continuation)
                    return .later
                }
            }
            switch now {
            case .lead: continuation.resume(returning: true)
            case .done(let error?): continuation.resume(throwing: error)
            case .done(nil): continuation.resume(returning: false)
            case .later: break
            }
        }
    }
}
