/// Joins a client's input (websocket messages) to an interactive session on a container.
public enum ConsolePipe {
    /// Feeds each element of `input` (as bytes) to `session`, until the session ends (the process
    /// exited) or the input does (the client left); the session sees the end of its input stream then.
    public static func run<Input: AsyncSequence & Sendable>(
        input: Input, bytes: @escaping @Sendable (Input.Element) -> [UInt8]?,
        session: @escaping @Sendable (AsyncStream<[UInt8]>) async throws -> Void
    ) async throws where Input.Element: Sendable {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                defer { continuation.finish() }
                try await session(stream)
                return true
            }
            group.addTask {
                defer { continuation.finish() }
                do {
                    for try await element in input {
                        if let data = bytes(element) { continuation.yield(data) }
                    }
                } catch is CancellationError {
                    // The session ended first and cancelled this reader.
                }
                return false
            }
            // The session ending ends the whole pipe; the input ending only tells the session.
            while let sessionEnded = try await group.next() {
                if sessionEnded { group.cancelAll() }
            }
        }
    }
}
