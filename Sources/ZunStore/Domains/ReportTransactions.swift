import Foundation
import ZunCore

/// A compute host's reports written together (docs/node-protocol.md, "Reports"): a batch of them is one
/// transaction, so the create and start of a container, their events and the end of the task and action
/// cost one write, not one each.
public protocol ReportTransactions: Sendable {
    /// Runs `body` in one transaction with a `ReportWriter` bound to it; commits when `body` returns (and only
    /// then wakes the hosts of any task written), rolls everything back when it throws.
    func writeReports<T: Sendable>(_ body: @escaping @Sendable (any ReportWriter) async throws -> T) async throws -> T
}

/// The writes reports make, inside one transaction. A container read or changed once is kept for the rest of
/// the transaction (and locked on PostgreSQL), so several reports on it read it once. Every method checks
/// before it writes, so that one that throws has changed nothing.
public protocol ReportWriter: Sendable {
    /// The container as this transaction sees it, nil when there is none.
    func container(uuid: String) async throws -> Container?
    /// Reads, changes and writes one container, recording actions and tasks with it (as
    /// `ContainerRecords.updateContainer`); nil when it does not exist.
    func updateContainer(
        uuid: String, actions: [ContainerAction], tasks: [ComputeTask], _ change: @escaping @Sendable (inout Container) throws -> Void
    ) async throws -> Container?
    /// The host a task is for, nil when there is no such task (a report's ownership check reads no more).
    func taskHost(id: Int64) async throws -> String?
    func tasks(containerUUID: String) async throws -> [ComputeTask]
    /// As `TaskQueue.finishTask`.
    func finishTask(id: Int64, error: String?, at: Date) async throws
    /// As `TaskQueue.deferTask`.
    func deferTask(id: Int64, until: Date) async throws
    /// As `ActionLog.startEvent`.
    func startEvent(containerUUID: String, requestID: String, event: String, at: Date) async throws
    /// As `ActionLog.finishEvent`.
    func finishEvent(containerUUID: String, requestID: String, event: String, result: String, traceback: String?, at: Date) async throws
    /// As `ActionLog.finishAction`.
    func finishAction(containerUUID: String, requestID: String, failed: Bool, at: Date) async throws
    /// As `NetworkRecords.recordNetworkRealized`; a `ZunError` not-found, changing nothing, when the network is
    /// gone. Written with the task's other reports, a host's first container on a network costs no transaction
    /// of its own.
    func recordNetworkRealized(uuid: String, host: String, dockerID: String, overlay: Bool) async throws
}
