import Foundation
import ZunCore

/// Tokens of attach and interactive exec sessions.
public protocol ConsoleSessionRecords: Sendable {
    /// Records the token of an attach or interactive exec session.
    func saveConsoleSession(_ session: ConsoleSession) async throws
    /// Takes the session of `token` if it has not expired at `now`: a token opens one connection.
    func takeConsoleSession(token: String, now: Date) async throws -> ConsoleSession?
}
