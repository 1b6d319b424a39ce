import DockerEngine
import Foundation
import ZunCore

/// `network_attach`: the API recorded the attachment and its port; here the network is realized on this
/// host and the engine container connected. A failure takes the attachment back off the record.
struct NetworkAttachHandler: TaskHandler {
    let operation = ContainerOperations.networkAttach

    func run(_ task: ComputeTask, in context: TaskContext) async throws {
        guard let container = try await context.container(task), let network = task.payload.network,
              let attachment = container.networks?.first(where: { $0.networkUUID == network })
        else { return }
        let logger = context.logger
        do {
            try await context.recorder.event(operation) {
                try await context.records.setTaskState(container.uuid, operation.task?.taskState)
                let name = try await context.agent.networks.ensure(network, reports: context.reports)
                if let inspect = try await context.records.inspect(container, logger: logger) {
                    if inspect.networkSettings?.networks?[name] == nil {
                        try await context.engine.connectNetwork(
                            name, container: inspect.id, endpoint: EndpointSettings(ipv4: attachment.ipv4, ipv6: attachment.ipv6),
                            logger: logger
                        )
                    }
                    if let fresh = try await context.engine.inspectContainer(inspect.id, logger: logger) {
                        try await context.records.refreshFromEngine(container.uuid, inspect: fresh)
                        return
                    }
                }
                try await context.records.setTaskState(container.uuid, nil)
            }
            context.recorder.finish(failed: false)
        } catch where TaskFailure.isOperationFailure(error) {
            logger.warning("network attach failed", metadata: [LogKey.error: "\(error)"])
            try await context.reports.send(.networkDetached(containerUUID: container.uuid, networkUUID: network))
            try await context.records.setTaskState(container.uuid, nil)
            context.recorder.finish(failed: true)
        }
    }
}
