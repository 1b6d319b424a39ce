import Foundation
import ZunCore

/// Volumes and the containers that mount them.
public protocol VolumeRecords: Sendable {
    func createVolume(_ volume: Volume) async throws
    func volume(uuid: String) async throws -> Volume?
    /// Volumes with this name; scoped to a project unless `projectID` is nil.
    func volumes(named name: String, projectID: String?) async throws -> [Volume]
    func listVolumes(projectID: String?) async throws -> [Volume]
    /// Deletes a volume no container mounts (else a `ZunError` conflict).
    func deleteVolume(uuid: String) async throws
    /// Containers that mount the volume.
    func volumeUsers(uuid: String) async throws -> [String]
    /// Records the host whose engine now holds the volume's data.
    func setVolumeHost(uuid: String, host: String) async throws
}
