import DockerEngine
import Foundation
import ZunCore

/// `rebuild`: the engine container is replaced by a new one from the (possibly new) image, keeping uuid,
/// name, settings and volumes; it is started again if it was running.
///
/// The image is pulled (or found) before anything is removed: a rebuild that cannot get its image leaves
/// the old engine container as it was, and the failure is in the action's event. A failure after the old
/// container is gone leaves the container `Error`.
struct RebuildHandler: TaskHandler {
    let operation = ContainerOperations.rebuild

    func run(_ task: ComputeTask, in context: TaskContext) async throws {
        guard let container = try await context.container(task) else { return }
        let builder = EngineContainerBuilder(context: context, taskState: operation.task?.taskState)
        let fresh = {
            var fresh = container
            fresh.containerID = nil
            if let image = task.payload.image { fresh.image = image }
            return fresh
        }()
        do {
            try await context.recorder.event(operation) {
                try await context.records.setTaskState(container.uuid, operation.task?.taskState)
                let image = try await builder.ensureImage(fresh)
                try await context.engine.removeContainer(container.containerID ?? container.dockerName, force: true, logger: context.logger)
                let inspect = try await builder.build(fresh, image: image)
                try await context.records.report(.rebuilt(containerID: inspect.id, image: fresh.image), on: container.uuid)
                try await context.records.refreshFromEngine(container.uuid, inspect: inspect)
            }
        } catch let error as ImageError {
            try await keep(container, after: error, context)
            return
        } catch where TaskFailure.isOperationFailure(error) {
            try await context.fail(container.uuid, error)
            return
        }
        // `fresh` has no engine id: the start finds the new engine container by its name.
        try await CreateHandler.startIfAsked(task, fresh, context)
    }

    /// The new image could not be had and nothing was removed: the record shows the old engine container again.
    private func keep(_ container: Container, after error: ImageError, _ context: TaskContext) async throws {
        context.logger.warning("rebuild left the container as it was: its image could not be had", metadata: [LogKey.error: "\(error.message)"])
        if let inspect = try await context.records.inspect(container, logger: context.logger) {
            try await context.records.refreshFromEngine(container.uuid, inspect: inspect)
        } else {
            try await context.records.markError(container.uuid, reason: error.message)
        }
        context.recorder.finish(failed: true)
    }
}
