import Foundation
import ZunCore

/// Container records: what the API writes on create and update, and what everything reads.
///
/// Every method commits before it returns, so callers acknowledge only what is durable.
public protocol ContainerRecords: Sendable {
    /// Writes a new container, with its action and its first task, in one transaction.
    func createContainer(_ container: Container, action: ContainerAction?, task: ComputeTask?) async throws

    /// Writes a new container on the first candidate host that still fits it, checked under a lock on that
    /// host's record, together with the action and task for that host. With no fitting candidate the
    /// container is written in `Error` with `noHostReason`. Several API processes may call this at once
    /// without over-committing a host.
    func createContainer(_ container: Container, placement: Placement) async throws -> Container

    func container(uuid: String) async throws -> Container?

    /// The containers with these uuids that exist, in no particular order.
    func containers(uuids: [String]) async throws -> [Container]

    /// Containers with this exact name; scoped to a project unless `projectID` is nil.
    func containers(named name: String, projectID: String?) async throws -> [Container]

    func listContainers(_ query: ContainerQuery) async throws -> [Container]

    /// All containers assigned to a host.
    func containers(onHost host: String) async throws -> [Container]

    /// Reads, changes and writes one container atomically, recording actions and tasks in the same
    /// transaction. Returns the new record, or nil when it does not exist.
    @discardableResult
    func updateContainer(
        uuid: String, actions: [ContainerAction], tasks: [ComputeTask],
        _ change: @escaping @Sendable (inout Container) throws -> Void
    ) async throws -> Container?

    /// Removes the container record (its actions stay, like Zun's soft history).
    func destroyContainer(uuid: String) async throws
}

extension ContainerRecords {
    /// Reads, changes and writes one container atomically.
    @discardableResult
    public func updateContainer(uuid: String, _ change: @escaping @Sendable (inout Container) throws -> Void) async throws -> Container? {
        try await updateContainer(uuid: uuid, actions: [], tasks: [], change)
    }
}

extension ContainerRecords {
    /// Applies a compute host's report (docs/node-protocol.md) to the container's record at `now`: the new
    /// record, or nil when the record is gone or the report was stale.
    /// `actions` and `tasks` are written in the same transaction (the rebuild of an auto-heal, say).
    @discardableResult
    public func report(
        _ report: ContainerReport, on uuid: String, at now: Date, actions: [ContainerAction] = [], tasks: [ComputeTask] = []
    ) async throws -> Container? {
        do {
            return try await updateContainer(uuid: uuid, actions: actions, tasks: tasks) { try report.apply(to: &$0, now: now) }
        } catch is ContainerReport.Stale {
            return nil
        }
    }
}
