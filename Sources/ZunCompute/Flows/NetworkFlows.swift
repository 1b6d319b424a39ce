import DockerEngine
import Foundation
import Logging
import ZunCore

/// `network_attach` / `network_detach` on the compute host (reference §6.13).
extension ContainerFlows {
    /// The API recorded the attachment and its port; here the network is realized on this host and the
    /// engine container connected. A failure takes the attachment back off the record.
    func attachNetwork(_ task: ComputeTask, _ recorder: ActionRecorder, _ logger: Logger) async throws {
        guard let container = try await store.container(uuid: task.containerUUID), let network = task.payload.network,
              let attachment = container.networks?.first(where: { $0.networkUUID == network })
        else { return }
        do {
            try await recorder.event("compute__do_network_attach") {
                try await setTaskState(container.uuid, .networkAttaching)
                let name = try await agent.networks.ensure(network)
                if let inspect = try await inspect(container, logger: logger) {
                    if inspect.networkSettings?.networks?[name] == nil {
                        try await engine.connectNetwork(
                            name, container: inspect.id, endpoint: EndpointSettings(ipv4: attachment.ipv4, ipv6: attachment.ipv6),
                            logger: logger
                        )
                    }
                    if let fresh = try await engine.inspectContainer(inspect.id, logger: logger) {
                        try await refreshFromEngine(container.uuid, inspect: fresh)
                        return
                    }
                }
                try await setTaskState(container.uuid, nil)
            }
            try await recorder.finish(failed: false)
        } catch where Self.isOperationFailure(error) {
            logger.warning("network attach failed", metadata: [LogKey.error: "\(error)"])
            try await store.detachNetwork(containerUUID: container.uuid, networkUUID: network)
            try await setTaskState(container.uuid, nil)
            try await recorder.finish(failed: true)
        }
    }

    /// Disconnects the engine container, then drops the attachment and its port from the records.
    func detachNetwork(_ task: ComputeTask, _ recorder: ActionRecorder, _ logger: Logger) async throws {
        guard let container = try await store.container(uuid: task.containerUUID), let network = task.payload.network else { return }
        do {
            try await recorder.event("compute__do_network_detach") {
                try await setTaskState(container.uuid, .networkDetaching)
                if let inspect = try await inspect(container, logger: logger) {
                    try await engine.disconnectNetwork(Network.dockerName(network), container: inspect.id, logger: logger)
                }
                try await store.detachNetwork(containerUUID: container.uuid, networkUUID: network)
                if let fresh = try await inspect(container, logger: logger) {
                    try await refreshFromEngine(container.uuid, inspect: fresh)
                    return
                }
                try await setTaskState(container.uuid, nil)
            }
            try await recorder.finish(failed: false)
        } catch where Self.isOperationFailure(error) {
            try await setTaskState(container.uuid, nil)
            try await recorder.finish(failed: true)
        }
    }
}
