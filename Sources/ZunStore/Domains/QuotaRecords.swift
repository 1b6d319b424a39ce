import Foundation
import ZunCore

/// Per-project quotas and quota classes, and what each project uses.
public protocol QuotaRecords: Sendable {
    /// The project's own limits (resource name → limit), without defaults.
    func quotas(projectID: String) async throws -> [String: Int]
    /// Writes the given limits of the project (others stay as they are).
    func setQuotas(projectID: String, _ limits: [String: Int]) async throws
    /// Removes every limit of the project; it falls back to the defaults.
    func deleteQuotas(projectID: String) async throws
    /// A class's limits (resource name → limit).
    func quotaClass(name: String) async throws -> [String: Int]
    func setQuotaClass(name: String, _ limits: [String: Int]) async throws
    /// What the project's containers hold.
    func quotaUsage(projectID: String) async throws -> QuotaUsage
    /// Checks `delta` against the project's effective limits in one transaction, under the project's quota
    /// lock (a create does the same inside its own transaction through `Placement.quota`).
    func checkQuota(_ check: QuotaCheck) async throws
}

/// A change to check against a project's quota: what it adds, and the configured defaults.
public struct QuotaCheck: Sendable {
    public var projectID: String
    public var delta: QuotaUsage
    public var configured: [QuotaResource: Int]

    public init(projectID: String, delta: QuotaUsage, configured: [QuotaResource: Int]) {
        self.projectID = projectID
        self.delta = delta
        self.configured = configured
    }
}
