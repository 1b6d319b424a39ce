import Foundation
import Logging
import ServiceLifecycle
import NIOConcurrencyHelpers
import ZunCore

/// Claims this host's tasks from the store and runs them, several containers at once.
///
/// Each lane (`ComputeTask.Lane`) has its own slots: stops and reboots, whose length the caller chooses, can
/// fill theirs without delaying a create. Tasks of one container still run one at a time, in order (the
/// store's claim sees to that across lanes).
///
/// On graceful shutdown it stops claiming and lets running tasks finish; a task cut short by a crash keeps
/// its claim until the agent restarts (`register` releases it) and is run again: every handler is idempotent.
struct TaskRunnerService: Service {
    let agent: ComputeAgent

    func run() async throws {
        let owner = "\(agent.configuration.hostName)/\(UUID().uuidString.prefix(8))"
        let executor = TaskExecutor(agent: agent)
        let limit = agent.configuration.maxConcurrentTasks
        let running = NIOLockedValueBox<[ComputeTask.Lane: Int]>([:])
        // What is running, for the shutdown log: task id → "kind container".
        let inFlight = NIOLockedValueBox<[Int64: String]>([:])
        // Holds at most one "a slot freed" signal: a runner that finds every lane full waits for it.
        let freed = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        var slotFreed = freed.stream.makeAsyncIterator()
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let open = running.withLockedValue { counts in Set(ComputeTask.Lane.allCases.filter { counts[$0, default: 0] < limit }) }
                if open.isEmpty {
                    _ = await slotFreed.next()
                    continue
                }
                let task: ComputeTask?
                do {
                    task = try await agent.store.claimTask(
                        host: agent.configuration.hostName, owner: owner,
                        leaseUntil: agent.clock.now.addingTimeInterval(agent.configuration.taskLease), now: agent.clock.now,
                        lanes: open.count == ComputeTask.Lane.allCases.count ? nil : open
                    )
                } catch {
                    agent.logger.error("claiming a task failed", metadata: [LogKey.error: "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                guard let task else {
                    // A shutdown ends the wait at once. With a lane full, a slot freeing there is noticed at the
                    // next wake-up or idle poll.
                    await cancelWhenGracefulShutdown {
                        await agent.store.waitForTasks(host: agent.configuration.hostName, timeout: agent.configuration.idlePollInterval)
                    }
                    continue
                }
                let lane = task.kind.lane
                running.withLockedValue { $0[lane, default: 0] += 1 }
                inFlight.withLockedValue { $0[task.id ?? 0] = "\(task.kind.rawValue) \(task.containerUUID)" }
                group.addTask {
                    await executor.run(task)
                    running.withLockedValue { $0[lane, default: 0] -= 1 }
                    inFlight.withLockedValue { $0[task.id ?? 0] = nil }
                    freed.continuation.yield()
                }
            }
            let unfinished = inFlight.withLockedValue { $0.values.sorted() }
            agent.logger.notice("task runner stopping; letting running tasks finish", metadata: [
                "running": "\(unfinished.count)", "tasks": "\(unfinished.joined(separator: ", "))",
            ])
        }
        agent.logger.notice("task runner stopped")
    }
}
