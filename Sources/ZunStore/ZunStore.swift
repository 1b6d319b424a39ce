import Foundation
import ZunCore

/// Durable state of the service: containers, actions and events, compute nodes, services and tasks.
///
/// Every method commits before it returns, so callers acknowledge only what is durable. One implementation,
/// `SQLStore`, runs on SQLite (embedded, `zun dev`) or PostgreSQL (`zun api` / `zun compute`).
public protocol ZunStore: Sendable {
    // MARK: Containers

    /// Writes a new container, with its action and its first task, in one transaction.
    func createContainer(_ container: Container, action: ContainerAction?, task: ComputeTask?) async throws

    /// Writes a new container on the first candidate host that still fits it, checked under a lock on that
    /// host's record, together with the action and task for that host. With no fitting candidate the
    /// container is written in `Error` with `noHostReason`. Several API processes may call this at once
    /// without over-committing a host.
    func createContainer(_ container: Container, placement: Placement) async throws -> Container

    func container(uuid: String) async throws -> Container?

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

    /// Resources held on each host by the containers assigned to it.
    func hostUsage() async throws -> [String: HostUsage]

    // MARK: Actions and events

    func actions(containerUUID: String) async throws -> [ContainerAction]
    func action(containerUUID: String, requestID: String) async throws -> ContainerAction?
    func events(actionID: Int64) async throws -> [ContainerActionEvent]

    /// Starts (or, on a retried task, resumes) the event `event` of the action made by `requestID`.
    func startEvent(containerUUID: String, requestID: String, event: String, at: Date) async throws
    /// Finishes the event with `Success` or `Error`.
    func finishEvent(
        containerUUID: String, requestID: String, event: String, result: String, traceback: String?, at: Date
    ) async throws
    /// Sets the action's finish time, and `message = "Error"` when it failed.
    func finishAction(containerUUID: String, requestID: String, failed: Bool, at: Date) async throws

    // MARK: Compute nodes and services

    func saveComputeNode(_ node: ComputeNode) async throws
    func computeNodes() async throws -> [ComputeNode]
    /// Nodes written at or after `since` (store time, seconds since 1970), for incremental refreshes.
    func computeNodes(updatedSince since: Double) async throws -> [ComputeNode]
    func computeNode(ident: String) async throws -> ComputeNode?

    /// Creates or refreshes the service record and bumps its `report_count` and `last_seen_up`.
    @discardableResult
    func heartbeat(host: String, binary: String, availabilityZone: String, endpoint: String?, at: Date) async throws
        -> ZunService
    func services() async throws -> [ZunService]
    /// Services whose record changed (heartbeat, enable, disable, force down) at or after `since`.
    func services(updatedSince since: Double) async throws -> [ZunService]
    /// Changes one service record; nil when there is no such service.
    @discardableResult
    func updateService(host: String, binary: String, _ change: @escaping @Sendable (inout ZunService) -> Void) async throws
        -> ZunService?
    /// Deletes a service record (and the compute node of a `zun-compute` service); false when absent.
    func deleteService(host: String, binary: String) async throws -> Bool

    // MARK: Tasks

    /// Claims the oldest runnable task of `host`: pending, or running with an expired lease, and not behind
    /// an unfinished earlier task of the same container, among the tasks of `lanes` (every lane when nil).
    func claimTask(host: String, owner: String, leaseUntil: Date, now: Date, lanes: Set<ComputeTask.Lane>?) async throws -> ComputeTask?
    /// Marks a task done (nil error) or failed.
    func finishTask(id: Int64, error: String?, at: Date) async throws
    /// Keeps a claimed task but lets it be claimed again after `until` (a retry after a transient failure).
    func deferTask(id: Int64, until: Date) async throws
    /// Makes every running task of `host` claimable again (the agent that held them is gone), counting the
    /// interruption on each so that a task that keeps killing its agent can be given up.
    func releaseTasks(host: String) async throws
    func tasks(containerUUID: String) async throws -> [ComputeTask]
    /// Unfinished tasks of every host, oldest first (for the reaper).
    func unfinishedTasks() async throws -> [ComputeTask]
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
    /// Waits until a task for `host` is written (by any process sharing the store) or `timeout` passes.
    func waitForTasks(host: String, timeout: Duration) async

    // MARK: Networks and ports

    /// Writes a new network; one without an IPv4 subnet gets the first free one of `pool`. A duplicate name in
    /// the project or an overlapping subnet is a `ZunError` conflict.
    func createNetwork(_ network: Network, pool: SubnetPool) async throws -> Network
    /// The network a project's containers join when they ask for none: its oldest own network, else a new
    /// one named `default` (concurrent first users converge on one record).
    func projectDefaultNetwork(projectID: String, userID: String, pool: SubnetPool) async throws -> Network
    func network(uuid: String) async throws -> Network?
    /// Networks with this name that `projectID` may use (its own and shared ones; all when nil).
    func networks(named name: String, visibleTo projectID: String?) async throws -> [Network]
    func listNetworks(visibleTo projectID: String?) async throws -> [Network]
    /// Deletes a network no container uses (else a `ZunError` conflict), with its unbound ports.
    func deleteNetwork(uuid: String) async throws
    /// Records that `host` realized the network as the engine network `dockerID`.
    func recordNetworkRealized(uuid: String, host: String, dockerID: String) async throws
    /// Hosts that realized the network.
    func networkHosts(uuid: String) async throws -> [String]
    func port(uuid: String) async throws -> NetworkPort?
    /// Writes a port made ahead of a container (`nets: [{port: …}]`), allocating or checking its address.
    func createPort(_ port: NetworkPort) async throws -> NetworkPort
    /// Ports of a project (all when nil).
    func ports(projectID: String?) async throws -> [NetworkPort]
    func ports(named name: String, projectID: String?) async throws -> [NetworkPort]
    /// Deletes a port no container holds (else a `ZunError` conflict).
    func deletePort(uuid: String) async throws
    /// Adds a network to a container: binds or allocates its port under the network's lock, appends the
    /// attachment to the record, and writes the action and task, in one transaction.
    func attachNetwork(
        containerUUID: String, _ attachment: NetworkAttachment, action: ContainerAction, task: ComputeTask
    ) async throws -> Container?
    /// Removes a network from a container's record and deletes (or, when preserved, unbinds) its port.
    func detachNetwork(containerUUID: String, networkUUID: String) async throws

    // MARK: Volumes

    func createVolume(_ volume: Volume) async throws
    func volume(uuid: String) async throws -> Volume?
    /// Volumes with this name; scoped to a project unless `projectID` is nil.
    func volumes(named name: String, projectID: String?) async throws -> [Volume]
    func listVolumes(projectID: String?) async throws -> [Volume]
    /// Deletes a volume no container mounts (else a `ZunError` conflict).
    func deleteVolume(uuid: String) async throws
    /// Containers that mount the volume.
    func volumeUsers(uuid: String) async throws -> [String]
    /// Records the host whose engine now holds the volume's data.
    func setVolumeHost(uuid: String, host: String) async throws

    // MARK: Interactive sessions

    /// Records the token of an attach or interactive exec session.
    func saveConsoleSession(_ session: ConsoleSession) async throws
    /// Takes the session of `token` if it has not expired at `now`: a token opens one connection.
    func takeConsoleSession(token: String, now: Date) async throws -> ConsoleSession?
}

extension ZunStore {
    /// Reads, changes and writes one container atomically.
    @discardableResult
    public func updateContainer(uuid: String, _ change: @escaping @Sendable (inout Container) throws -> Void) async throws -> Container? {
        try await updateContainer(uuid: uuid, actions: [], tasks: [], change)
    }
}

/// Where a new container may go, best host first, and how to check a host still fits under its lock.
public struct Placement: Sendable {
    public var candidates: [String]
    /// Whether the host still fits the container given its node record, current usage and service record.
    public var fits: @Sendable (ComputeNode, HostUsage, ZunService?) -> Bool
    /// The action and task to write with the container once a host is chosen.
    public var records: @Sendable (_ host: String) -> (ContainerAction, ComputeTask)
    /// The `status_reason` when no candidate fits.
    public var noHostReason: String
    /// When no candidate fits: save the container in `Error` (true) or throw `PlacementExhausted` and
    /// write nothing, so the caller can choose again (false).
    public var recordsFailure: Bool

    public init(
        candidates: [String], fits: @escaping @Sendable (ComputeNode, HostUsage, ZunService?) -> Bool,
        records: @escaping @Sendable (String) -> (ContainerAction, ComputeTask), noHostReason: String, recordsFailure: Bool = true
    ) {
        self.candidates = candidates
        self.fits = fits
        self.records = records
        self.noHostReason = noHostReason
        self.recordsFailure = recordsFailure
    }
}

/// Every candidate of a `Placement` was full under its lock, and the placement asked not to record that.
public struct PlacementExhausted: Error, Sendable {
    public init() {}
}

/// Filters, order and page of a container list.
public struct ContainerQuery: Sendable, Equatable {
    /// Exact-match filters on `ContainerQuery.filterColumns`.
    public var filters: [String: String]
    /// nil = all projects.
    public var projectID: String?
    public var sortKey: String
    public var ascending: Bool
    public var limit: Int?
    /// uuid of the last item of the previous page.
    public var marker: String?

    public init(
        filters: [String: String] = [:], projectID: String? = nil, sortKey: String = "id", ascending: Bool = true,
        limit: Int? = nil, marker: String? = nil
    ) {
        self.filters = filters
        self.projectID = projectID
        self.sortKey = sortKey
        self.ascending = ascending
        self.limit = limit
        self.marker = marker
    }

    /// Columns a list may filter on (Zun's list filters).
    public static let filterColumns: Set<String> = [
        "name", "image", "project_id", "user_id", "memory", "host", "task_state", "status", "auto_remove",
    ]
    /// Columns a list may sort on.
    public static let sortColumns: Set<String> = [
        "id", "uuid", "name", "image", "project_id", "user_id", "memory", "cpu", "disk", "host", "task_state",
        "status", "auto_remove", "created_at", "updated_at",
    ]
}

/// A store failure that is not the caller's fault.
public struct StoreError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension ZunStore {
    /// Claims the oldest runnable task of `host` of any lane.
    public func claimTask(host: String, owner: String, leaseUntil: Date, now: Date) async throws -> ComputeTask? {
        try await claimTask(host: host, owner: owner, leaseUntil: leaseUntil, now: now, lanes: nil)
    }
}
