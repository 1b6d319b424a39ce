import Foundation
import SQLKit
import ZunCore

extension SQLStore {
    public func createVolume(_ volume: Volume) async throws {
        try await backend.transaction { db in try await self.insertVolume(volume, db) }
    }

    func insertVolume(_ volume: Volume, _ db: any SQLDatabase) async throws {
        try await db.rows(
            "INSERT INTO volume (uuid, name, project_id, auto_remove, created_at, data) VALUES (?, ?, ?, ?, ?, ?)",
            [volume.uuid, volume.name, volume.projectID, volume.autoRemove ? 1 : 0, volume.createdAt.timeIntervalSince1970, try json(volume)]
        )
    }

    public func volume(uuid: String) async throws -> Volume? {
        try await backend.read { db in
            try await db.rows("SELECT data FROM volume WHERE uuid = ?", [uuid]).first.map(Self.decodeVolume)
        }
    }

    public func volumes(named name: String, projectID: String?) async throws -> [Volume] {
        try await backend.read { db in
            if let projectID {
                return try await db.rows("SELECT data FROM volume WHERE name = ? AND project_id = ? ORDER BY id", [name, projectID])
                    .map(Self.decodeVolume)
            }
            return try await db.rows("SELECT data FROM volume WHERE name = ? ORDER BY id", [name]).map(Self.decodeVolume)
        }
    }

    public func listVolumes(projectID: String?) async throws -> [Volume] {
        try await backend.read { db in
            if let projectID {
                return try await db.rows("SELECT data FROM volume WHERE project_id = ? ORDER BY id", [projectID]).map(Self.decodeVolume)
            }
            return try await db.rows("SELECT data FROM volume ORDER BY id").map(Self.decodeVolume)
        }
    }

    public func deleteVolume(uuid: String) async throws {
        try await backend.transaction { db in
            _ = try await db.rows("SELECT uuid FROM volume WHERE uuid = ?\(self.dialect.forUpdate)", [uuid])
            let users = try await Self.volumeUsers(uuid, db)
            if !users.isEmpty {
                throw ZunError(status: 409, code: "volume-in-use", message: "Volume \(uuid) is in use by container(s) \(users.joined(separator: ", ")).")
            }
            try await db.rows("DELETE FROM volume WHERE uuid = ?", [uuid])
        }
    }

    public func volumeUsers(uuid: String) async throws -> [String] {
        try await backend.read { db in try await Self.volumeUsers(uuid, db) }
    }

    private static func volumeUsers(_ uuid: String, _ db: any SQLDatabase) async throws -> [String] {
        try await db.rows("SELECT container_uuid FROM volume_mapping WHERE volume_uuid = ? ORDER BY id", [uuid])
            .compactMap { try $0.string("container_uuid") }
    }

    public func setVolumeHost(uuid: String, host: String) async throws {
        try await backend.transaction { db in
            guard let row = try await db.rows("SELECT data FROM volume WHERE uuid = ?\(self.dialect.forUpdate)", [uuid]).first else { return }
            var volume = try Self.decodeVolume(row)
            guard volume.host != host else { return }
            volume.host = host
            try await db.rows("UPDATE volume SET data = ? WHERE uuid = ?", [try json(volume), uuid])
        }
    }

    // MARK: Inside container transactions

    /// Writes the volumes a new container makes and the mapping of every mount; an existing volume another
    /// container mounts is refused (Zun's VolumeInUse), checked under the volume's row lock.
    func mapVolumes(_ container: inout Container, _ db: any SQLDatabase) async throws {
        guard let mounts = container.mounts else { return }
        var mapped: [VolumeAttachment] = []
        for var mount in mounts {
            if let volume = mount.newVolume {
                try await insertVolume(volume, db)
                mount.newVolume = nil
            } else {
                guard try await !db.rows("SELECT uuid FROM volume WHERE uuid = ?\(dialect.forUpdate)", [mount.volumeUUID]).isEmpty else {
                    throw ZunError.resourceNotFound("Volume", mount.volumeUUID)
                }
                let users = try await Self.volumeUsers(mount.volumeUUID, db)
                if !users.isEmpty {
                    throw ZunError(status: 400, code: "volume-in-use", message: "Volume \(mount.volumeUUID) is in use by container(s) \(users.joined(separator: ", ")).")
                }
            }
            try await db.rows(
                "INSERT INTO volume_mapping (volume_uuid, container_uuid, container_path, created_at) VALUES (?, ?, ?, ?)",
                [mount.volumeUUID, container.uuid, mount.destination, Date().timeIntervalSince1970]
            )
            mapped.append(mount)
        }
        container.mounts = mapped
    }

    /// Drops a destroyed container's mappings and the volumes it made.
    func unmapVolumes(containerUUID: String, _ db: any SQLDatabase) async throws {
        try await db.rows(
            """
            DELETE FROM volume WHERE auto_remove = 1
              AND uuid IN (SELECT volume_uuid FROM volume_mapping WHERE container_uuid = ?)
            """,
            [containerUUID]
        )
        try await db.rows("DELETE FROM volume_mapping WHERE container_uuid = ?", [containerUUID])
    }

    static func decodeVolume(_ row: any SQLRow) throws -> Volume {
        guard let text = try row.string("data") else { throw StoreError("volume row without data") }
        return try StoreCoding.decoder.decode(Volume.self, from: Data(text.utf8))
    }
}
