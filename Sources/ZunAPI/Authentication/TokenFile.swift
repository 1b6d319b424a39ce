import Foundation
import Logging
import NIOConcurrencyHelpers
import Yams
import ZunCore

#if canImport(Glibc)
import Glibc
#endif

/// `token-file`: a local YAML (or JSON) file of tokens for small installations without Keystone
/// (docs/authentication.md). It holds each token's SHA-256, never the token, with the identity it stands for:
///
///     tokens:
///       - sha256: 5f2b…   # `zun token new` prints the token once and writes this line
///         user_id: alice
///         project_id: alpha
///         roles: [member]
///         expires_at: "2027-06-01T00:00:00Z"   # optional
///
/// The file is re-read when it changes (looked at no more than once per `recheckInterval`). A file that stops
/// parsing refuses every token until it is fixed: fail closed, never keep serving a table that an edit
/// meant to change.
public final class TokenFile: Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        public var sha256: String
        public var user_id: String
        public var project_id: String
        public var roles: [String]
        public var expires_at: String?

        public init(sha256: String, user_id: String, project_id: String, roles: [String], expires_at: String? = nil) {
            self.sha256 = sha256
            self.user_id = user_id
            self.project_id = project_id
            self.roles = roles
            self.expires_at = expires_at
        }
    }

    struct Contents: Codable {
        var tokens: [Entry]
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "token file \(path): \(reason)" }
    }

    private struct Loaded: Sendable {
        var byDigest: [String: (identity: Identity, expires: Date?)] = [:]
        var signature: FileSignature?
        var lastCheck: Date
        /// The file changed into something that does not parse: refuse every token.
        var broken = false
    }

    public let path: String
    private let clock: any WallClock
    private let recheckInterval: TimeInterval
    private let logger: Logger
    private let state: NIOLockedValueBox<Loaded>

    /// Reads the file now; a missing or invalid file is an error at start.
    public init(path: String, clock: any WallClock = SystemWallClock(), recheckInterval: TimeInterval = 1, logger: Logger) throws {
        self.path = path
        self.clock = clock
        self.recheckInterval = recheckInterval
        self.logger = logger
        let signature = FileSignature(path: path)
        let table = try Self.load(path)
        state = NIOLockedValueBox(Loaded(byDigest: table, signature: signature, lastCheck: clock.now))
    }

    /// The caller the token stands for, or nil.
    public func identity(forToken token: String) -> Identity? {
        reloadIfChanged()
        let digest = TokenDigest.sha256Hex(token)
        let now = clock.now
        return state.withLockedValue { loaded -> Identity? in
            guard !loaded.broken, let entry = loaded.byDigest[digest] else { return nil }
            if let expires = entry.expires, expires <= now { return nil }
            return entry.identity
        }
    }

    /// How many tokens the file grants now (0 while it is broken).
    public var count: Int { state.withLockedValue { $0.broken ? 0 : $0.byDigest.count } }

    private func reloadIfChanged() {
        let now = clock.now
        let previous: FileSignature?? = state.withLockedValue { loaded in
            guard now.timeIntervalSince(loaded.lastCheck) >= recheckInterval else { return .none }
            loaded.lastCheck = now
            return .some(loaded.signature)
        }
        guard case .some(let old) = previous else { return }
        let current = FileSignature(path: path)
        guard current != old else { return }
        do {
            let table = try Self.load(path)
            state.withLockedValue { $0 = Loaded(byDigest: table, signature: current, lastCheck: now) }
            logger.info("token file reloaded", metadata: ["path": "\(path)", "tokens": "\(table.count)"])
        } catch {
            state.withLockedValue { $0.broken = true; $0.signature = current }
            logger.error("token file is invalid: every token is refused until it is fixed", metadata: ["error": "\(error)"])
        }
    }

    static func load(_ path: String) throws -> [String: (identity: Identity, expires: Date?)] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Invalid(path: path, reason: "it cannot be read (\(error.localizedDescription))")
        }
        let contents: Contents
        do {
            contents = try YAMLDecoder().decode(Contents.self, from: text)
        } catch {
            throw Invalid(path: path, reason: "it is not a map with a `tokens` list of sha256/user_id/project_id/roles entries")
        }
        var table: [String: (identity: Identity, expires: Date?)] = [:]
        for (index, entry) in contents.tokens.enumerated() {
            let digest = entry.sha256.lowercased()
            guard digest.count == 64, digest.allSatisfy(\.isHexDigit) else {
                throw Invalid(path: path, reason: "entry \(index): sha256 must be 64 hex digits (the digest of the token, not the token)")
            }
            guard !entry.user_id.isEmpty, !entry.project_id.isEmpty else {
                throw Invalid(path: path, reason: "entry \(index): user_id and project_id must not be empty")
            }
            var expires: Date?
            if let text = entry.expires_at {
                guard let date = ISO8601DateFormatter().date(from: text) else {
                    throw Invalid(path: path, reason: "entry \(index): expires_at must be an ISO 8601 time such as 2027-06-01T00:00:00Z")
                }
                expires = date
            }
            guard table[digest] == nil else { throw Invalid(path: path, reason: "entry \(index): the same token twice") }
            table[digest] = (Identity(userID: entry.user_id, projectID: entry.project_id, roles: entry.roles), expires)
        }
        return table
    }

    // MARK: - Issuing tokens (`zun token new`)

    /// A new random token: `zun_` and 40 base62 characters (238 bits), the prefix letting secret scanners
    /// (and this project's log check) recognise one.
    public static func generateToken() -> String { SecretToken.generate(prefix: "zun_") }

    /// What the file stores for `token`.
    public static func digest(of token: String) -> String { TokenDigest.sha256Hex(token) }

    /// Adds `entry` to the file at `path` (created, readable by its owner only, when missing), replacing it
    /// atomically so a reloading API never reads half a file.
    public static func append(_ entry: Entry, to path: String) throws {
        var contents = Contents(tokens: [])
        if FileManager.default.fileExists(atPath: path) {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                contents = try YAMLDecoder().decode(Contents.self, from: text)
            }
        }
        contents.tokens.append(entry)
        let text = "# zun token file: SHA-256 digests of tokens, never the tokens (docs/authentication.md)\n"
            + (try YAMLEncoder().encode(contents))
        do {
            try PrivateFile.replace(path, with: Data(text.utf8))
        } catch {
            throw Invalid(path: path, reason: "\(error)")
        }
    }
}

/// What tells a changed file from the one read before: inode, size and modification time to the nanosecond.
struct FileSignature: Sendable, Equatable {
    var inode: UInt64
    var size: Int64
    var seconds: Int
    var nanoseconds: Int

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        seconds = Int(info.st_mtim.tv_sec)
        nanoseconds = Int(info.st_mtim.tv_nsec)
    }
}
