import ZunCore

/// `kill`: sends the task's signal (the engine's default, SIGKILL, when none).
struct KillHandler: TaskHandler {
    let operation = ContainerOperations.kill

    func run(_ task: ComputeTask, in context: TaskContext) async throws {
        try await EngineOperation(operation: operation) { engine, id, task, logger in
            try await engine.killContainer(id, signal: task.payload.signal, logger: logger)
        }.run(task, in: context)
    }
}
