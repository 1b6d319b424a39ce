/// Thrown by `withDeadline` when the time ran out first.
public struct DeadlineExceeded: Error, Sendable, CustomStringConvertible {
    public var limit: Duration
    public var description: String { "did not finish within \(limit)" }
}

/// Runs `body`, cancelling it and throwing `DeadlineExceeded` when `limit` passes first.
public func withDeadline<T: Sendable>(
    _ limit: Duration, clock: ContinuousClock = ContinuousClock(), _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await clock.sleep(for: limit)
            throw DeadlineExceeded(limit: limit)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

extension Duration {
    /// The duration in seconds, as a `Double` (for JSON and `TimeInterval`s).
    public var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
