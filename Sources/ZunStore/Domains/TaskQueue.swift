import Foundation
import ZunCore

/// The durable dispatch of work to compute hosts (docs/architecture.md, "Durable dispatch"): tasks are
/// written with the container change that asked for them, claimed with a lease and finished by the host.
public protocol TaskQueue: Sendable {
    /// Claims the oldest runnable task of `host`: pending, or running with an expired lease, and not behind
    /// an unfinished earlier task of the same container, among the tasks of `lanes` (every lane when nil).
    func claimTask(host: String, owner: String, leaseUntil: Date, now: Date, lanes: Set<ComputeTask.Lane>?) async throws -> ComputeTask?
    /// Claims, in one transaction, the oldest runnable tasks of `host` (as `claimTask` chooses them), at most
    /// `slots[lane]` of each lane, oldest first.
    func claimTasks(host: String, owner: String, leaseUntil: Date, now: Date, slots: [ComputeTask.Lane: Int]) async throws -> [ComputeTask]
    /// Marks a task done (nil error) or failed.
    func finishTask(id: Int64, error: String?, at: Date) async throws
    /// Keeps a claimed task but lets it be claimed again after `until` (a retry after a transient failure).
    func deferTask(id: Int64, until: Date) async throws
    /// Gives back a task `owner` claimed but never started (the claim's answer never reached it): pending
    /// again, as if never claimed, so that it may also move off a dead host.
    func unclaimTask(id: Int64, owner: String) async throws
    /// Makes every running task of `host` claimable again (the agent that held them is gone), counting the
    /// interruption on each so that a task that keeps killing its agent can be given up.
    func releaseTasks(host: String) async throws
    func tasks(containerUUID: String) async throws -> [ComputeTask]
    /// One task by id, in any state.
    func task(id: Int64) async throws -> ComputeTask?
    /// The running tasks of `host` leased to `leaseOwner` (a node's runner finding claims it never heard of).
    func runningTasks(host: String, leaseOwner: String) async throws -> [ComputeTask]
    /// Unfinished tasks of every host, oldest first.
    func unfinishedTasks() async throws -> [ComputeTask]
    /// Unfinished tasks whose host is not up at `now` (as `computeServicesDown` says) or has no `zun-compute`
    /// service at all, oldest first, with when the host was last heard from (for the reaper).
    func unfinishedTasksOfHostsDown(now: Date, downAfter: TimeInterval) async throws -> [TaskOfHostDown]
    /// Moves a pending (never claimed) task of `fromHost` whose container has no engine container yet to the
    /// first candidate host that still fits (checked under that host's lock, as for a create), updating the
    /// container in the same transaction. Returns the new host, or nil when no candidate fits or the task was
    /// claimed, finished or moved meanwhile.
    func rescheduleTask(
        id: Int64, fromHost: String, placement: Placement, _ change: @escaping @Sendable (inout Container, String) -> Void
    ) async throws -> String?
    /// Marks an unfinished task of `fromHost` failed; false when it already finished or moved (another
    /// reaper got there first).
    func abandonTask(id: Int64, fromHost: String, error: String, at: Date) async throws -> Bool
    /// Waits until a task for `host` is written (by any process sharing the store) or `timeout` passes: true
    /// when woken by a write, false when the time ran out.
    @discardableResult
    func waitForTasks(host: String, timeout: Duration) async -> Bool
}

/// An unfinished task whose host is down, and when that host was last heard from (nil: it has no service).
public struct TaskOfHostDown: Sendable {
    public var task: ComputeTask
    public var hostLastSeen: Date?

    public init(task: ComputeTask, hostLastSeen: Date?) {
        self.task = task
        self.hostLastSeen = hostLastSeen
    }
}

extension TaskQueue {
    /// Claims the oldest runnable task of `host` of any lane.
    public func claimTask(host: String, owner: String, leaseUntil: Date, now: Date) async throws -> ComputeTask? {
        try await claimTask(host: host, owner: owner, leaseUntil: leaseUntil, now: now, lanes: nil)
    }
}
