import DockerEngine
import Foundation
import Logging
import ZunCore

/// The shape shared by operations that are one engine call on an existing container (stop, reboot, pause,
/// unpause, kill): the call under the operation's event and task state, then the engine's view saved. As in
/// Zun, a failed call is recorded (event and action `Error`) and leaves the status as it was; a container
/// the engine lost becomes `Deleted` (auto-remove) or `Error`.
struct EngineOperation: Sendable {
    typealias Call = @Sendable (_ engine: any ContainerEngine, _ id: String, _ task: ComputeTask, _ logger: Logger) async throws -> Void

    let operation: ContainerOperation
    let call: Call

    func run(_ task: ComputeTask, in context: TaskContext) async throws {
        guard let container = try await context.container(task) else { return }
        let id = container.containerID ?? container.dockerName
        do {
            try await context.recorder.event(operation) {
                try await context.records.setTaskState(container.uuid, operation.task?.taskState)
                try await call(context.engine, id, task, context.logger)
                guard let inspect = try await context.engine.inspectContainer(id, logger: context.logger) else {
                    throw DockerError(status: 404, message: "No such container: \(id)")
                }
                try await context.records.refreshFromEngine(container.uuid, inspect: inspect)
            }
            context.recorder.finish(failed: false)
        } catch let error as DockerError where error.isNotFound {
            try await context.records.vanished(container, error)
            context.recorder.finish(failed: true)
        } catch where TaskFailure.isOperationFailure(error) {
            context.logger.warning("\(operation.name) failed", metadata: [LogKey.error: "\(error)"])
            // A reboot that failed leaves `Restarting` behind; the next sync shows what the engine says.
            try await context.records.report(.operationFailed, on: container.uuid)
            context.recorder.finish(failed: true)
        }
    }
}
