import Foundation
import Logging
import ServiceLifecycle
import NIOConcurrencyHelpers
import ZunCore

/// Claims this host's tasks from the control plane, a batch per claim, and runs them, several containers at once.
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
        // After a claim that failed on its way, the next asks the control plane to hand back tasks it leased to
        // this runner that the runner never heard of (the answer was lost with a replica).
        var recover = false
        // Whether the last claim came back empty after its whole wait (nothing woke it).
        var lastClaimRanOut = false
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let free = running.withLockedValue { counts in
                    Dictionary(uniqueKeysWithValues: ComputeTask.Lane.allCases.map { ($0, limit - counts[$0, default: 0]) }).filter { $0.value > 0 }
                }
                if free.isEmpty {
                    _ = await slotFreed.next()
                    continue
                }
                // A long wait only while every lane is open: with one full, a slot freeing there must be noticed
                // soon, and only a new claim can ask for it.
                // Jittered, so that a fleet's long-polls started together do not all end and renew together.
                let wait = (free.count == ComputeTask.Lane.allCases.count ? agent.configuration.claimWait : agent.configuration.idlePollInterval)
                    * Double.random(in: 0.75...1)
                let request = TaskClaimRequest(
                    slots: free, owner: owner, leaseSeconds: agent.configuration.taskLease, waitSeconds: wait.seconds,
                    running: inFlight.withLockedValue { Array($0.keys) }, recover: recover,
                    realizedNetworks: await agent.networks.realizedUUIDs
                )
                let claimed: ClaimedTasks
                do {
                    let asked = ContinuousClock.now
                    claimed = try await cancelWhenGracefulShutdown { try await agent.controlPlane.claimTasks(request) }
                    recover = false
                    // Work right after a wait that ran out was found by the idle poll, not by a wake-up.
                    if !claimed.tasks.isEmpty, lastClaimRanOut {
                        agent.idlePollFinds.withLockedValue { $0 += 1 }
                        agent.logger.debug("the idle poll found work: a wake-up was lost")
                    }
                    lastClaimRanOut = claimed.tasks.isEmpty && ContinuousClock.now - asked >= wait * 0.95
                } catch {
                    if Task.isShuttingDownGracefully || Task.isCancelled { break }
                    agent.logger.error("claiming tasks failed", metadata: [LogKey.error: "\(error)"])
                    recover = true
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                for task in claimed.tasks {
                    let lane = task.kind.lane
                    let record = claimed.container(of: task)
                    let networks = claimed.networks(of: record)
                    running.withLockedValue { $0[lane, default: 0] += 1 }
                    inFlight.withLockedValue { $0[task.id ?? 0] = "\(task.kind.rawValue) \(task.containerUUID)" }
                    group.addTask {
                        await executor.run(task, claimedRecord: record, claimedNetworks: networks)
                        running.withLockedValue { $0[lane, default: 0] -= 1 }
                        inFlight.withLockedValue { $0[task.id ?? 0] = nil }
                        freed.continuation.yield()
                    }
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
