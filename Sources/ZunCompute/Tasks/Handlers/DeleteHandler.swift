import DockerEngine
import Foundation
import ZunCore

/// `delete`: removes the engine container (ignoring engine errors when forced), releases what the hooks
/// made for it alone, then removes the record.
struct DeleteHandler: TaskHandler {
    let operation = ContainerOperations.delete

    func run(_ task: ComputeTask, in context: TaskContext) async throws {
        guard let container = try await context.container(task) else { return }
        let force = task.payload.force ?? false
        do {
            try await context.recorder.event(operation) {
                try await context.records.setTaskState(container.uuid, operation.task?.taskState)
                do {
                    try await context.engine.removeContainer(container.containerID ?? container.dockerName, force: true, logger: context.logger)
                } catch where force {
                    context.logger.warning("force delete ignored an engine error", metadata: [LogKey.error: "\(error)"])
                }
                try await ContainerHooks.release(container, in: context)
            }
            try await context.reports.send(.containerDestroyed(uuid: container.uuid))
            context.recorder.finish(failed: false)
        } catch where TaskFailure.isOperationFailure(error) {
            try await context.fail(container.uuid, error)
        }
    }
}
