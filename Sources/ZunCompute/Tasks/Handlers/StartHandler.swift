import DockerEngine
import Foundation
import ZunCore

/// `start`: starts the engine container and saves what the engine then reports.
struct StartHandler: TaskHandler {
    let operation = ContainerOperations.start

    func run(_ task: ComputeTask, in context: TaskContext) async throws {
        guard let container = try await context.container(task) else { return }
        try await Self.startAndFinish(container, context)
    }

    /// Starts the container under the start event and finishes the action (create with `run`, rebuild of a
    /// running container and `start` itself all end this way).
    static func startAndFinish(_ container: Container, _ context: TaskContext) async throws {
        do {
            try await start(container, context)
            context.recorder.finish(failed: false)
        } catch where TaskFailure.isOperationFailure(error) {
            try await context.fail(container.uuid, error)
        }
    }

    /// Starts the engine container under the `start` event and saves the result.
    static func start(_ container: Container, _ context: TaskContext) async throws {
        try await context.recorder.event(ContainerOperations.start) {
            try await context.records.setTaskState(container.uuid, ContainerOperations.start.task?.taskState)
            let id = container.containerID ?? container.dockerName
            try await context.engine.startContainer(id, logger: context.logger)
            guard let inspect = try await context.engine.inspectContainer(id, logger: context.logger) else {
                let gone = DockerError(status: 404, message: "No such container: \(id)")
                // An auto-remove container that already ran and exited is removed by the engine: Deleted.
                guard container.autoRemove else { throw gone }
                try await context.records.vanished(container, gone)
                return
            }
            try await context.records.refreshFromEngine(container.uuid, inspect: inspect)
        }
    }
}
