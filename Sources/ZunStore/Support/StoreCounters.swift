import NIOConcurrencyHelpers

/// What a store has written: write transactions asked for, and commits made (on SQLite a group commit makes one
/// commit of several transactions). Benchmarks print them per container (BENCHMARKS.md).
public final class StoreCounters: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var transactions = 0
        public var commits = 0

        public static func - (later: Snapshot, earlier: Snapshot) -> Snapshot {
            Snapshot(transactions: later.transactions - earlier.transactions, commits: later.commits - earlier.commits)
        }
    }

    private let counts = NIOLockedValueBox(Snapshot())

    init() {}

    public var snapshot: Snapshot { counts.withLockedValue { $0 } }

    func transactionStarted() { counts.withLockedValue { $0.transactions += 1 } }
    func committed() { counts.withLockedValue { $0.commits += 1 } }
}
