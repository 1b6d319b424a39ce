import Foundation
import ZunCore

/// Durable state of the service, as one value: the composition of the narrow protocols each consumer
/// depends on (`ContainerRecords`, `ActionLog`, `HostInventory`, `TaskQueue`, `NetworkRecords`,
/// `VolumeRecords`, `ConsoleSessionRecords`; docs/architecture.md, "The store").
///
/// Every method commits before it returns, so callers acknowledge only what is durable. One implementation,
/// `SQLStore`, runs on SQLite (embedded, `zun dev`) or PostgreSQL (`zun api` / `zun compute`).
public typealias ZunStore = ContainerRecords & ActionLog & HostInventory & TaskQueue & NetworkRecords & VolumeRecords
    & ConsoleSessionRecords & QuotaRecords & NodeCredentialRecords & ReportTransactions

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
    /// The project quota the new container must fit, checked last inside the same transaction (nil: none).
    public var quota: QuotaCheck?

    public init(
        candidates: [String], fits: @escaping @Sendable (ComputeNode, HostUsage, ZunService?) -> Bool,
        records: @escaping @Sendable (String) -> (ContainerAction, ComputeTask), noHostReason: String, recordsFailure: Bool = true,
        quota: QuotaCheck? = nil
    ) {
        self.quota = quota
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
    /// The call was abandoned at its deadline: what it wrote may still commit, so it must not be run again blindly.
    public var outcomeUnknown = false
    public init(_ message: String, outcomeUnknown: Bool = false) {
        self.message = message
        self.outcomeUnknown = outcomeUnknown
    }
    public var description: String { message }
}
