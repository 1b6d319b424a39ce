import ZunCore

/// `pause`: freezes the container's processes.
struct PauseHandler: TaskHandler {
    let operation = ContainerOperations.pause

    func run(_ task: ComputeTask, in context: TaskContext) async throws {
        try await EngineOperation(operation: operation) { engine, id, task, logger in
            try await engine.pauseContainer(id, logger: logger)
        }.run(task, in: context)
    }
}
