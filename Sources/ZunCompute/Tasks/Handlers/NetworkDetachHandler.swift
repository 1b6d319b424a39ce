import DockerEngine
import Foundation
import ZunCore

/// `network_detach`: disconnects the engine container, then drops the attachment and its port from the
/// records.
struct NetworkDetachHandler: TaskHandler {
    let operation = ContainerOperations.networkDetach

    func run(_ task: ComputeTask, in context: TaskContext) async throws {
        guard let container = try await context.container(task), let network = task.payload.network else { return }
        let logger = context.logger
        do {
            try await context.recorder.event(operation) {
                try await context.records.setTaskState(container.uuid, operation.task?.taskState)
                if let inspect = try await context.records.inspect(container, logger: logger) {
                    try await context.engine.disconnectNetwork(Network.dockerName(network), container: inspect.id, logger: logger)
                }
                try await context.reports.send(.networkDetached(containerUUID: container.uuid, networkUUID: network))
                if let fresh = try await context.records.inspect(container, logger: logger) {
                    try await context.records.refreshFromEngine(container.uuid, inspect: fresh)
                    return
                }
                try await context.records.setTaskState(container.uuid, nil)
            }
            context.recorder.finish(failed: false)
        } catch where TaskFailure.isOperationFailure(error) {
            logger.warning("network detach failed", metadata: [LogKey.error: "\(error)"])
            try await context.records.setTaskState(container.uuid, nil)
            context.recorder.finish(failed: true)
        }
    }
}
