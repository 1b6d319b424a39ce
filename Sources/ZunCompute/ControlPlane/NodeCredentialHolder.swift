import Foundation
import NIOConcurrencyHelpers
import ZunCore

/// A node's identity (docs/node-protocol.md, "Per-node identity"): its credential in memory, and in a file
/// only its owner reads (mode 0600), replaced atomically when the credential is rotated.
public final class NodeCredentialHolder: Sendable {
    public let host: String
    let path: String
    private let identity: NIOLockedValueBox<NodeIdentity>

    /// The credential to send now.
    public var current: String { identity.withLockedValue { $0.credential } }
    /// The key the API signs its calls to this node's endpoint with.
    public var nodeKey: String? { identity.withLockedValue { $0.nodeKey } }

    /// Reads the identity kept in `path`.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ZunError.invalidValue("cannot read the node credential file \(path)")
        }
        guard let identity = try? JSONDecoder().decode(NodeIdentity.self, from: data), !identity.credential.isEmpty else {
            throw ZunError.invalidValue("the node credential file \(path) is not a node identity")
        }
        self.host = identity.host
        self.path = path
        self.identity = NIOLockedValueBox(identity)
    }

    /// Keeps a new identity (from a bootstrap) in `path` and holds it.
    public init(saving identity: NodeIdentity, to path: String) throws {
        try Self.write(identity, to: path)
        self.host = identity.host
        self.path = path
        self.identity = NIOLockedValueBox(identity)
    }

    /// Whether a credential file exists at `path`.
    public static func exists(at path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    func replace(with next: NodeIdentity) throws {
        try Self.write(next, to: path)
        identity.withLockedValue { $0 = next }
    }

    static func write(_ identity: NodeIdentity, to path: String) throws {
        try PrivateFile.replace(path, with: try JSONEncoder().encode(identity))
    }
}
