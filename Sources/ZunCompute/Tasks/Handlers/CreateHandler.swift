import DockerEngine
import Foundation
import ZunCore

/// `create` (and run): the engine container made by `EngineContainerBuilder`, its state saved, then started
/// when the request asked to run it. Any operation failure leaves the container `Error` with a reason a
/// human can act on.
struct CreateHandler: TaskHandler {
    let operation = ContainerOperations.create

    func run(_ task: ComputeTask, in context: TaskContext) async throws {
        guard let container = try await context.container(task) else {
            context.logger.info("container is gone; nothing to create")
            return
        }
        // A retried task may find the work done; only a container still being created needs the steps.
        if container.status != .creating {
            if task.payload.run == true, container.status == .created {
                try await StartHandler.startAndFinish(container, context)
            }
            return
        }
        do {
            try await context.recorder.event(operation) {
                try await context.records.setTaskState(container.uuid, operation.task?.taskState)
                let inspect = try await EngineContainerBuilder(context: context, taskState: operation.task?.taskState).build(container)
                try await context.records.refreshFromEngine(container.uuid, inspect: inspect)
            }
        } catch where TaskFailure.isOperationFailure(error) {
            try await context.fail(container.uuid, error)
            return
        }
        try await Self.startIfAsked(task, container, context)
    }

    /// Starts the new engine container when the task asks for it, else finishes the action. The record read at
    /// the task's start serves: the start needs only its uuid, engine name and auto-remove, which the create did
    /// not change (and its reports are still on their way, so a fresh read would show no more).
    static func startIfAsked(_ task: ComputeTask, _ container: Container, _ context: TaskContext) async throws {
        guard task.payload.run == true else {
            context.recorder.finish(failed: false)
            return
        }
        try await StartHandler.startAndFinish(container, context)
    }
}
