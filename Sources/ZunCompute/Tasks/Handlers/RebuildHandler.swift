import DockerEngine
import Foundation
import ZunCore

/// `rebuild`: the engine container is replaced by a new one from the (possibly new) image, keeping uuid,
/// name, settings and volumes; it is started again if it was running. Any failure leaves it `Error`.
struct RebuildHandler: TaskHandler {
    let operation = ContainerOperations.rebuild

    func run(_ task: ComputeTask, in context: TaskContext) async throws {
        guard let container = try await context.container(task) else { return }
        do {
            try await context.recorder.event(operation) {
                try await context.records.setTaskState(container.uuid, operation.task?.taskState)
                try await context.engine.removeContainer(container.containerID ?? container.dockerName, force: true, logger: context.logger)
                var fresh = container
                fresh.containerID = nil
                let inspect = try await EngineContainerBuilder(context: context).build(fresh)
                try await context.store.updateContainer(uuid: container.uuid) { c in
                    c.status = .creating  // so the engine's "created" maps to Created
                    c.statusReason = nil
                    c.containerID = inspect.id
                }
                try await context.records.refreshFromEngine(container.uuid, inspect: inspect)
            }
        } catch where TaskFailure.isOperationFailure(error) {
            try await context.fail(container.uuid, error)
            return
        }
        try await CreateHandler.startIfAsked(task, container.uuid, context)
    }
}
