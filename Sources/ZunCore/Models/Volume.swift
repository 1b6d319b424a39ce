import Foundation

/// A volume: a named Docker volume on the host of the containers that use it, or a file injected into a
/// container (Zun's `type=bind`). Cinder's role without Cinder.
public struct Volume: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// A Docker volume named `zun-vol-<uuid>` on `host`.
        case volume
        /// A file whose content (base64) is written into the container at the mount's destination.
        case bind
    }

    public var uuid: String
    public var name: String
    public var projectID: String
    public var userID: String
    public var kind: Kind
    /// GB, as asked; Docker's local driver does not enforce it.
    public var size: Int?
    /// Made for one container (`size` mounts, file injection) and removed with it.
    public var autoRemove: Bool
    /// The host whose engine holds the data, once a container used it; later users must run there.
    public var host: String?
    /// Base64 content of an injected file.
    public var contents: String?
    public var createdAt: Date

    public init(
        uuid: String, name: String, projectID: String, userID: String, kind: Kind, size: Int? = nil, autoRemove: Bool,
        contents: String? = nil, createdAt: Date
    ) {
        self.uuid = uuid
        self.name = name
        self.projectID = projectID
        self.userID = userID
        self.kind = kind
        self.size = size
        self.autoRemove = autoRemove
        self.contents = contents
        self.createdAt = createdAt
    }

    public var dockerName: String { Self.dockerName(uuid) }
    public static func dockerName(_ uuid: String) -> String { "zun-vol-\(uuid)" }
    public static let uuidLabel = "zun.volume.uuid"
}

/// A volume mounted into a container (Zun's `volume_mapping`), kept on the container record and in the
/// `volume_mapping` table. `volume` is set when the create makes the volume (size or file injection).
public struct VolumeAttachment: Codable, Sendable, Equatable {
    public var volumeUUID: String
    public var destination: String
    public var kind: Volume.Kind
    public var autoRemove: Bool
    /// A volume this create makes; the store writes it with the container.
    public var newVolume: Volume?

    public init(volumeUUID: String, destination: String, kind: Volume.Kind, autoRemove: Bool, newVolume: Volume? = nil) {
        self.volumeUUID = volumeUUID
        self.destination = destination
        self.kind = kind
        self.autoRemove = autoRemove
        self.newVolume = newVolume
    }
}
