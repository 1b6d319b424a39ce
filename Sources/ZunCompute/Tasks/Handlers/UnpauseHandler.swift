import ZunCore

/// `unpause`: thaws a paused container.
struct UnpauseHandler: TaskHandler {
    let operation = ContainerOperations.unpause

    func run(_ task: ComputeTask, in context: TaskContext) async throws {
        try await EngineOperation(operation: operation) { engine, id, task, logger in
            try await engine.unpauseContainer(id, logger: logger)
        }.run(task, in: context)
    }
}
