import DockerEngine
import Foundation
import ZunCore

/// The container's networks: this host's copy of each is made before the create (the first is the engine
/// container's own network); the others are connected after it.
struct NetworkHook: ContainerHook {
    func prepare(_ container: Container, in context: TaskContext) async throws {
        for attachment in container.networks ?? [] {
            _ = try await context.agent.networks.ensure(
                attachment.networkUUID, known: context.claimedNetworks[attachment.networkUUID], reports: context.reports
            )
        }
    }

    func complete(_ container: Container, _ inspect: ContainerInspect, in context: TaskContext) async throws -> Bool {
        let connected = Set(inspect.networkSettings?.networks?.keys.map { $0 } ?? [])
        var changed = false
        for attachment in (container.networks ?? []).dropFirst() where !connected.contains(Network.dockerName(attachment.networkUUID)) {
            try await context.engine.connectNetwork(
                Network.dockerName(attachment.networkUUID), container: inspect.id,
                endpoint: EndpointSettings(ipv4: attachment.ipv4, ipv6: attachment.ipv6), logger: context.logger
            )
            changed = true
        }
        return changed
    }
}
