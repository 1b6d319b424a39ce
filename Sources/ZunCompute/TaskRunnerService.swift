import Foundation
import Logging
import ServiceLifecycle
import ZunCore

/// Claims this host's tasks from the store and runs them, several containers at once.
///
/// On graceful shutdown it stops claiming and lets running tasks finish; a task cut short by a crash keeps
/// its claim until the agent restarts (`register` releases it) and is run again: every flow is idempotent.
struct TaskRunnerService: Service {
    let agent: ComputeAgent

    func run() async throws {
        let owner = "\(agent.configuration.hostName)/\(UUID().uuidString.prefix(8))"
        let flows = ContainerFlows(agent: agent)
        await withDiscardingTaskGroup { group in
            var running = 0
            let slots = AsyncStream.makeStream(of: Void.self)
            var finished = slots.stream.makeAsyncIterator()
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                if running >= agent.configuration.maxConcurrentTasks {
                    _ = await finished.next()
                    running -= 1
                    continue
                }
                let task: ComputeTask?
                do {
                    task = try await agent.store.claimTask(
                        host: agent.configuration.hostName, owner: owner,
                        leaseUntil: Date().addingTimeInterval(agent.configuration.taskLease), now: Date()
                    )
                } catch {
                    agent.logger.error("claiming a task failed", metadata: [LogKey.error: "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                guard let task else {
                    // A shutdown ends the wait at once.
                    try? await cancelWhenGracefulShutdown {
                        await agent.store.waitForTasks(host: agent.configuration.hostName, timeout: agent.configuration.idlePollInterval)
                    }
                    continue
                }
                running += 1
                group.addTask {
                    await flows.run(task)
                    slots.continuation.yield()
                }
            }
        }
    }
}
