import Foundation

/// An interactive session handed out by `attach` or `execute?interactive=true`: the random token in the
/// websocket URL, what it opens, and until when it may be used.
public struct ConsoleSession: Sendable, Equatable {
    public var token: String
    public var containerUUID: String
    /// The exec instance, or nil for an attach to the container's own stdio.
    public var execID: String?
    public var expiresAt: Date

    public init(token: String, containerUUID: String, execID: String?, expiresAt: Date) {
        self.token = token
        self.containerUUID = containerUUID
        self.execID = execID
        self.expiresAt = expiresAt
    }

    /// A fresh unguessable token (two random UUIDs, hex).
    public static func newToken() -> String {
        (UUID().uuidString + UUID().uuidString).replacingOccurrences(of: "-", with: "").lowercased()
    }
}
