import Foundation
import Logging
import ZunCore

/// Runs one claimed task through its handler and marks it finished.
///
/// Failures of the operation (engine, image) are recorded on the container by the handler and finish the
/// task. Anything else — the store unreachable, say — leaves the task claimed and retried shortly: every
/// handler is idempotent, so running it again is safe.
struct TaskExecutor: Sendable {
    let agent: ComputeAgent
    var controlPlane: any ControlPlane { agent.controlPlane }

    /// Runs `task`; `claimedRecord` is its container as the claim read it, and `claimedNetworks` the networks
    /// of its ports the claim carried.
    func run(_ task: ComputeTask, claimedRecord: Container? = nil, claimedNetworks: [String: Network] = [:]) async {
        var logger = agent.logger
        logger[metadataKey: LogKey.taskID] = "\(task.id ?? 0)"
        logger[metadataKey: LogKey.taskKind] = "\(task.kind.rawValue)"
        logger[metadataKey: LogKey.containerUUID] = "\(task.containerUUID)"
        logger[metadataKey: LogKey.requestID] = "\(task.payload.requestID)"
        logger.debug("running task")
        guard let id = task.id else { return }
        // The task's reports travel through its outbox; the linger sends what waits there during a long step.
        let reports = ReportOutbox(controlPlane: controlPlane, linger: agent.configuration.reportLinger)
        let context = TaskContext(
            agent: agent, reports: reports, containerUUID: task.containerUUID, requestID: task.payload.requestID, logger: logger,
            claimedRecord: claimedRecord, claimedNetworks: claimedNetworks
        )
        await withDiscardingTaskGroup { group in
            group.addTask { await reports.lingerLoop() }
            await run(task, id: id, context: context)
            group.cancelAll()
        }
    }

    private func run(_ task: ComputeTask, id: Int64, context: TaskContext) async {
        let logger = context.logger
        let reports = context.reports
        do {
            if task.interruptions >= ComputeTask.maximumInterruptions {
                try await giveUp(task, id: id, context: context)
                return
            }
            guard let handler = TaskHandlers.handler(for: task.kind) else {
                // A kind this version has no handler for: fail it rather than retry it forever.
                logger.error("no handler for the task's kind; failing it")
                try await Self.persistently(logger) {
                    try await reports.send(.taskFinished(id: id, error: "No handler for task kind \(task.kind)."))
                }
                return
            }
            try await handler.run(task, in: context)
            // The task's end carries every report still waiting: for a quick create and start, all of them.
            try await Self.persistently(logger) { try await reports.send(.taskFinished(id: id, error: nil)) }
        } catch {
            logger.warning("task interrupted; it will be retried", metadata: [LogKey.error: "\(String(reflecting: error))"])
            try? await Self.persistently(logger) { try await reports.send(.taskDeferred(id: id, seconds: 2)) }
        }
    }

    /// The crash-loop breaker: the task was running each of the last times this host's agent died, so it is
    /// not run again. Its container goes to `Error` with a reason naming the task, and the agent carries on.
    private func giveUp(_ task: ComputeTask, id: Int64, context: TaskContext) async throws {
        let reason = "The \(task.kind.rawValue) task was running each of the \(task.interruptions) times the compute agent stopped unexpectedly, so it was not run again."
        context.logger.error("giving up a task that was interrupted by agent failures", metadata: ["interruptions": "\(task.interruptions)"])
        if try await context.container(task) != nil {
            try await context.records.markError(task.containerUUID, reason: reason)
            context.recorder.finish(failed: true)
        }
        try await Self.persistently(context.logger) { try await context.reports.send(.taskFinished(id: id, error: reason)) }
    }

    /// Retries a report for up to 30 s (a database or replica restart), then gives up and throws.
    static func persistently(_ logger: Logger, _ write: () async throws -> Void) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                return try await write()
            } catch {
                guard ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}
