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

        public static func - (later: Snapshot, earlier: Snapshot) -> Snapshot {
            Snapshot(
                transactions: later.transactions - earlier.transactions, commits: later.commits - earlier.commits,
                byOperation: later.byOperation.merging(earlier.byOperation.mapValues { -$0 }, uniquingKeysWith: +).filter { $0.value != 0 }
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

    func committed() { counts.withLockedValue { $0.commits += 1 } }
}
