import Foundation
import SQLKit
import ZunCore

extension SQLStore {
    public func saveConsoleSession(_ session: ConsoleSession) async throws {
        try await backend.transaction { db in
            // Expired sessions are swept on the way, so the table stays small.
            try await db.run("DELETE FROM console_session WHERE expires_at < \(bind: self.clock.now.timeIntervalSince1970)")
            try await db.run(
                "INSERT INTO console_session (token, container_uuid, exec_id, expires_at) VALUES (\(bind: session.token), \(bind: session.containerUUID), \(bind: session.execID), \(bind: session.expiresAt.timeIntervalSince1970))"
            )
        }
    }

    public func takeConsoleSession(token: String, now: Date) async throws -> ConsoleSession? {
        try await backend.transaction { db in
            guard let row = try await db.run("SELECT * FROM console_session WHERE token = \(bind: token)").first else { return nil }
            try await db.run("DELETE FROM console_session WHERE token = \(bind: token)")
            let session = ConsoleSession(
                token: token, containerUUID: try row.string("container_uuid") ?? "", execID: try row.string("exec_id"),
                expiresAt: Date(timeIntervalSince1970: try row.double("expires_at") ?? 0)
            )
            return session.expiresAt >= now ? session : nil
        }
    }
}
