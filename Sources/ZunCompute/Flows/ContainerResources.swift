import DockerEngine
import Foundation
import Logging
import ZunCore

/// The networks and volumes around a container's engine create (reference §6.2/§6.4, on our own records):
/// made on this host before the create, wired after it, and the container's own volumes removed after a
/// delete. Every step is idempotent, like the flows that call it.
struct ContainerResources: Sendable {
    let flows: ContainerFlows
    let logger: Logger
    var engine: any ContainerEngine { flows.engine }

    /// Before create: this host's copy of every network the container joins, and its Docker volumes.
    func prepare(_ container: Container) async throws {
        for attachment in container.networks ?? [] {
            _ = try await flows.agent.networks.ensure(attachment.networkUUID)
        }
        for mount in container.mounts ?? [] where mount.kind == .volume {
            try await engine.createVolume(
                name: Volume.dockerName(mount.volumeUUID),
                labels: [
                    Volume.uuidLabel: mount.volumeUUID, ContainerSpecBuilder.projectLabel: container.projectID,
                    ContainerSpecBuilder.hostLabel: flows.agent.configuration.hostName,
                ],
                logger: logger
            )
            try await flows.store.setVolumeHost(uuid: mount.volumeUUID, host: flows.agent.configuration.hostName)
        }
    }

    /// After create: the networks after the first connected, injected files written. Returns a fresh inspect.
    func complete(_ container: Container, _ inspect: ContainerInspect) async throws -> ContainerInspect {
        let connected = Set(inspect.networkSettings?.networks?.keys.map { $0 } ?? [])
        var changed = false
        for attachment in (container.networks ?? []).dropFirst() where !connected.contains(Network.dockerName(attachment.networkUUID)) {
            try await engine.connectNetwork(
                Network.dockerName(attachment.networkUUID), container: inspect.id,
                endpoint: EndpointSettings(ipv4: attachment.ipv4, ipv6: attachment.ipv6), logger: logger
            )
            changed = true
        }
        for mount in container.mounts ?? [] where mount.kind == .bind {
            guard let volume = try await flows.store.volume(uuid: mount.volumeUUID), let encoded = volume.contents,
                  let contents = Data(base64Encoded: encoded)
            else { throw InjectionError("the content of the file for \(mount.destination) is missing or not base64") }
            let tar = try FileInjection.tar(path: mount.destination, contents: Array(contents))
            try await engine.putArchive(inspect.id, path: "/", tar: tar, logger: logger)
        }
        guard changed else { return inspect }
        return try await engine.inspectContainer(inspect.id, logger: logger) ?? inspect
    }

    /// After the engine container is gone: the Docker volumes that were made for it alone.
    func release(_ container: Container) async throws {
        for mount in container.mounts ?? [] where mount.kind == .volume && mount.autoRemove {
            try await engine.removeVolume(Volume.dockerName(mount.volumeUUID), logger: logger)
        }
    }
}
