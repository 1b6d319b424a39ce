import ZunCore

/// The registry of task handlers: one per operation a compute host runs (`ContainerOperations.tasks`).
enum TaskHandlers {
    static let all: [any TaskHandler] = [
        CreateHandler(), StartHandler(), StopHandler(), RebootHandler(), PauseHandler(), UnpauseHandler(),
        KillHandler(), RebuildHandler(), DeleteHandler(), NetworkAttachHandler(), NetworkDetachHandler(),
    ]

    static func handler(for kind: ComputeTask.Kind) -> (any TaskHandler)? { byKind[kind] }

    private static let byKind: [ComputeTask.Kind: any TaskHandler] = Dictionary(
        all.map { ($0.operation.taskKind, $0) }, uniquingKeysWith: { a, _ in a }
    )
}
