import Foundation
import SQLKit
import ZunCore

extension SQLStore {
    public func createVolume(_ volume: Volume) async throws {
        try await backend.transaction { db in try await self.insertVolume(volume, db) }
    }

    func insertVolume(_ volume: Volume, _ db: any SQLDatabase) async throws {
        try await db.run(
            "INSERT INTO volume (uuid, name, project_id, auto_remove, created_at, data) VALUES (\(bind: volume.uuid), \(bind: volume.name), \(bind: volume.projectID), \(bind: volume.autoRemove ? 1 : 0), \(bind: volume.createdAt.timeIntervalSince1970), \(bind: try json(volume)))"
        )
    }

    public func volume(uuid: String) async throws -> Volume? {
        try await backend.readEach { db in
            try await db.run("SELECT data FROM volume WHERE uuid = \(bind: uuid)").first.map(Self.decodeVolume)
        }
    }

    public func volumes(named name: String, projectID: String?) async throws -> [Volume] {
        try await backend.readEach { db in
            if let projectID {
                return try await db.run("SELECT data FROM volume WHERE name = \(bind: name) AND project_id = \(bind: projectID) ORDER BY id")
                    .map(Self.decodeVolume)
            }
            return try await db.run("SELECT data FROM volume WHERE name = \(bind: name) ORDER BY id").map(Self.decodeVolume)
        }
    }

    public func listVolumes(projectID: String?) async throws -> [Volume] {
        try await backend.readEach { db in
            if let projectID {
                return try await db.run("SELECT data FROM volume WHERE project_id = \(bind: projectID) ORDER BY id").map(Self.decodeVolume)
            }
            return try await db.run("SELECT data FROM volume ORDER BY id").map(Self.decodeVolume)
        }
    }

    public func deleteVolume(uuid: String) async throws {
        try await backend.transaction { db in
            _ = try await db.run("SELECT uuid FROM volume WHERE uuid = \(bind: uuid)\(unsafeRaw: self.dialect.forUpdate)")
            let users = try await Self.volumeUsers(uuid, db)
            if !users.isEmpty {
                throw ZunError(.conflict, code: "volume-in-use", message: "Volume \(uuid) is in use by container(s) \(users.joined(separator: ", ")).")
            }
            try await db.run("DELETE FROM volume WHERE uuid = \(bind: uuid)")
        }
    }

    public func volumeUsers(uuid: String) async throws -> [String] {
        try await backend.readEach { db in try await Self.volumeUsers(uuid, db) }
    }

    private static func volumeUsers(_ uuid: String, _ db: any SQLDatabase) async throws -> [String] {
        try await db.run("SELECT container_uuid FROM volume_mapping WHERE volume_uuid = \(bind: uuid) ORDER BY id")
            .compactMap { try $0.string("container_uuid") }
    }

    public func setVolumeHost(uuid: String, host: String) async throws {
        try await backend.transaction { db in
            guard let row = try await db.run("SELECT data FROM volume WHERE uuid = \(bind: uuid)\(unsafeRaw: self.dialect.forUpdate)").first else { return }
            var volume = try Self.decodeVolume(row)
            guard volume.host != host else { return }
            volume.host = host
            try await db.run("UPDATE volume SET data = \(bind: try json(volume)) WHERE uuid = \(bind: uuid)")
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
                guard try await !db.run("SELECT uuid FROM volume WHERE uuid = \(bind: mount.volumeUUID)\(unsafeRaw: dialect.forUpdate)").isEmpty else {
                    throw ZunError.resourceNotFound("Volume", mount.volumeUUID)
                }
                let users = try await Self.volumeUsers(mount.volumeUUID, db)
                if !users.isEmpty {
                    throw ZunError(.invalidInput, code: "volume-in-use", message: "Volume \(mount.volumeUUID) is in use by container(s) \(users.joined(separator: ", ")).")
                }
            }
            try await db.run(
                "INSERT INTO volume_mapping (volume_uuid, container_uuid, container_path, created_at) VALUES (\(bind: mount.volumeUUID), \(bind: container.uuid), \(bind: mount.destination), \(bind: self.clock.now.timeIntervalSince1970))"
            )
            mapped.append(mount)
        }
        container.mounts = mapped
    }

    /// Drops a destroyed container's mappings and the volumes it made.
    func unmapVolumes(containerUUID: String, _ db: any SQLDatabase) async throws {
        try await db.run(
            """
            DELETE FROM volume WHERE auto_remove = 1
              AND uuid IN (SELECT volume_uuid FROM volume_mapping WHERE container_uuid = \(bind: containerUUID))
            """
        )
        try await db.run("DELETE FROM volume_mapping WHERE container_uuid = \(bind: containerUUID)")
    }

    static func decodeVolume(_ row: any SQLRow) throws -> Volume {
        guard let text = try row.string("data") else { throw StoreError("volume row without data") }
        return try StoreCoding.decoder.decode(Volume.self, from: Data(text.utf8))
    }
}
