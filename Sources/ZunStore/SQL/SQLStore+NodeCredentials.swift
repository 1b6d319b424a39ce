import Foundation
import SQLKit
import ZunCore

extension SQLStore {
    public func saveBootstrapToken(digest: String, host: String, expiresAt: Date, now: Date) async throws {
        try await backend.transaction { db in
            // Bootstrap tokens nobody used go on the way, so the table keeps only live ones.
            try await db.run("DELETE FROM node_credential WHERE kind = 'bootstrap' AND expires_at < \(bind: now.timeIntervalSince1970)")
            try await db.run("""
                INSERT INTO node_credential (digest, host, kind, created_at, expires_at)
                VALUES (\(bind: digest), \(bind: host), 'bootstrap', \(bind: now.timeIntervalSince1970), \(bind: expiresAt.timeIntervalSince1970))
                """)
        }
    }

    public func exchangeBootstrapToken(digest: String, credentialDigest: String, now: Date) async throws -> String? {
        try await backend.transaction { db in
            // The DELETE is what makes the token single-use: of two concurrent exchanges, one deletes the row.
            guard let host = try await db.run("""
                DELETE FROM node_credential WHERE digest = \(bind: digest) AND kind = 'bootstrap' AND expires_at >= \(bind: now.timeIntervalSince1970)
                RETURNING host
                """).first.flatMap({ try $0.string("host") })
            else { return nil }
            try await self.insertNodeCredential(digest: credentialDigest, host: host, now: now, db)
            return host
        }
    }

    public func nodeCredentialHost(digest: String, now: Date) async throws -> String? {
        try await backend.readEach { db in
            try await db.run("""
                SELECT host FROM node_credential WHERE digest = \(bind: digest) AND kind = 'node'
                AND (expires_at IS NULL OR expires_at >= \(bind: now.timeIntervalSince1970))
                """).first.flatMap { try $0.string("host") }
        }
    }

    public func validNodeCredentials(now: Date) async throws -> [ValidNodeCredential] {
        try await backend.readEach { db in
            try await db.run("""
                SELECT digest, host, expires_at FROM node_credential WHERE kind = 'node'
                AND (expires_at IS NULL OR expires_at >= \(bind: now.timeIntervalSince1970))
                """).map { row in
                ValidNodeCredential(
                    digest: try row.string("digest") ?? "", host: try row.string("host") ?? "",
                    expiresAt: try row.double("expires_at").map(Date.init(timeIntervalSince1970:))
                )
            }
        }
    }

    public func rotateNodeCredential(digest: String, newDigest: String, graceUntil: Date, now: Date) async throws -> String? {
        try await backend.transaction { db in
            guard let row = try await db.run("""
                SELECT host, expires_at FROM node_credential WHERE digest = \(bind: digest) AND kind = 'node'
                AND (expires_at IS NULL OR expires_at >= \(bind: now.timeIntervalSince1970))\(unsafeRaw: self.dialect.forUpdate)
                """).first, let host = try row.string("host")
            else { return nil }
            // A credential already rotated keeps its earlier end: rotating twice does not extend the old one.
            let end = min(graceUntil.timeIntervalSince1970, try row.double("expires_at") ?? .infinity)
            try await db.run("UPDATE node_credential SET expires_at = \(bind: end) WHERE digest = \(bind: digest)")
            try await self.insertNodeCredential(digest: newDigest, host: host, now: now, db)
            return host
        }
    }

    public func revokeNodeCredentials(host: String) async throws -> Int {
        try await backend.transaction { db in
            let count = try await db.run("SELECT COUNT(*) AS n FROM node_credential WHERE host = \(bind: host)").first?.int("n") ?? 0
            try await db.run("DELETE FROM node_credential WHERE host = \(bind: host)")
            return count
        }
    }

    private func insertNodeCredential(digest: String, host: String, now: Date, _ db: any SQLDatabase) async throws {
        try await db.run("""
            INSERT INTO node_credential (digest, host, kind, created_at, expires_at)
            VALUES (\(bind: digest), \(bind: host), 'node', \(bind: now.timeIntervalSince1970), NULL)
            """)
    }
}
