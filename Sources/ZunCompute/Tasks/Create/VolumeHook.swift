import DockerEngine
import Foundation
import ZunCore

/// The container's Docker volumes: made (and their host recorded) before the create; the ones made for this
/// container alone removed after a delete.
struct VolumeHook: ContainerHook {
    func prepare(_ container: Container, in context: TaskContext) async throws {
        let hostName = context.agent.configuration.hostName
        for mount in container.mounts ?? [] where mount.kind == .volume {
            try await context.engine.createVolume(
                name: Volume.dockerName(mount.volumeUUID),
                labels: [
                    Volume.uuidLabel: mount.volumeUUID, ContainerSpecBuilder.projectLabel: container.projectID,
                    ContainerSpecBuilder.hostLabel: hostName,
                ],
                logger: context.logger
            )
            try await context.reports.send(.volumePlaced(uuid: mount.volumeUUID))
        }
    }

    func release(_ container: Container, in context: TaskContext) async throws {
        for mount in container.mounts ?? [] where mount.kind == .volume && mount.autoRemove {
            try await context.engine.removeVolume(Volume.dockerName(mount.volumeUUID), logger: context.logger)
        }
    }
}
