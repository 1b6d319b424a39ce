import ZunCore

/// `reboot`: a restart, stopping gracefully within the task's `timeout`.
struct RebootHandler: TaskHandler {
    let operation = ContainerOperations.reboot

    func run(_ task: ComputeTask, in context: TaskContext) async throws {
        try await EngineOperation(operation: operation) { engine, id, task, logger in
            try await engine.restartContainer(id, timeout: task.payload.timeout, logger: logger)
        }.run(task, in: context)
    }
}
