import NIOConcurrencyHelpers

/// What a store has written: write transactions asked for (in all and by the store method that asked), and
/// commits made (on SQLite a group commit makes one commit of several transactions). Benchmarks print them per
/// container (BENCHMARKS.md), which says where the writes go.
public final class StoreCounters: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var transactions = 0
        public var commits = 0
        /// Write transactions by the store method that asked for them.
        public var byOperation: [String: Int] = [:]
        /// SQLite: how long its one writer was held (a batch's statements and its `COMMIT`), and the part of it
        /// spent in `COMMIT` (writing the WAL, its fsync, and a checkpoint when one is due). Held close to all of
        /// a run's time, the writer is what bounds it. Zero on PostgreSQL.
        public var writerHeld: Duration = .zero
        public var writerCommitting: Duration = .zero
        /// How long the callers of each store method waited for their write transactions, in all (queueing for
        /// the writer or a connection, the body, the commit): divided by `byOperation`, the mean.
        public var waitedByOperation: [String: Duration] = [:]

        public static func - (later: Snapshot, earlier: Snapshot) -> Snapshot {
            Snapshot(
                transactions: later.transactions - earlier.transactions, commits: later.commits - earlier.commits,
                byOperation: later.byOperation.merging(earlier.byOperation.mapValues { -$0 }, uniquingKeysWith: +).filter { $0.value != 0 },
                writerHeld: later.writerHeld - earlier.writerHeld, writerCommitting: later.writerCommitting - earlier.writerCommitting,
                waitedByOperation: later.waitedByOperation.merging(earlier.waitedByOperation.mapValues { .zero - $0 }, uniquingKeysWith: +)
                    .filter { $0.value != .zero }
            )
        }
    }

    private let counts = NIOLockedValueBox(Snapshot())

    init() {}

    public var snapshot: Snapshot { counts.withLockedValue { $0 } }

    func transactionStarted(_ operation: String) {
        counts.withLockedValue { counts in
            counts.transactions += 1
            counts.byOperation[operation, default: 0] += 1
        }
    }

    func transactionFinished(_ operation: String, after waited: Duration) {
        counts.withLockedValue { $0.waitedByOperation[operation, default: .zero] += waited }
    }

    func committed() { counts.withLockedValue { $0.commits += 1 } }

    func writerReleased(held: Duration, committing: Duration) {
        counts.withLockedValue { counts in
            counts.writerHeld += held
            counts.writerCommitting += committing
        }
    }
}
