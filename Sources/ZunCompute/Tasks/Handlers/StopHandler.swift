import ZunCore

/// `stop`: a graceful stop, then SIGKILL after the task's `timeout`.
struct StopHandler: TaskHandler {
    let operation = ContainerOperations.stop

    func run(_ task: ComputeTask, in context: TaskContext) async throws {
        try await EngineOperation(operation: operation) { engine, id, task, logger in
            try await engine.stopContainer(id, timeout: task.payload.timeout, logger: logger)
        }.run(task, in: context)
    }
}
