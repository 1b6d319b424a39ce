import Foundation
import ZunCore

/// Compute nodes, their usage and their services: what the scheduler places on and what liveness reads.
public protocol HostInventory: Sendable {
    /// Resources held on each host by the containers assigned to it.
    func hostUsage() async throws -> [String: HostUsage]


    func saveComputeNode(_ node: ComputeNode) async throws
    func computeNodes() async throws -> [ComputeNode]
    /// Nodes written at or after `since` (store time, seconds since 1970), for incremental refreshes.
    func computeNodes(updatedSince since: Double) async throws -> [ComputeNode]
    func computeNode(ident: String) async throws -> ComputeNode?

    /// Creates or refreshes the service record and bumps its `report_count` and `last_seen_up`.
    @discardableResult
    func heartbeat(host: String, binary: String, availabilityZone: String, endpoint: String?, at: Date) async throws
        -> ZunService
    /// Many compute hosts' heartbeats in one transaction, a few statements for thousands of hosts (the node
    /// protocol's batched liveness, docs/node-protocol.md). One entry per host.
    func heartbeats(_ beats: [Heartbeat]) async throws
    func services() async throws -> [ZunService]
    /// One service record, or nil.
    func service(host: String, binary: String) async throws -> ZunService?
    /// The `zun-compute` services that are not up at `now` (`ZunService.isUp`: forced down, or not heard from
    /// within `downAfter`), reading only their rows: in a healthy fleet, none.
    func computeServicesDown(now: Date, downAfter: TimeInterval) async throws -> [ZunService]
    /// Services whose record changed other than by a heartbeat (created, enabled, disabled, forced down, moved
    /// zone or endpoint) at or after `since`.
    func services(changedSince since: Double) async throws -> [ZunService]
    /// When each of `hosts`' `zun-compute` service was last seen up (hosts without a service are left out).
    func lastSeenUp(computeHosts hosts: [String]) async throws -> [String: Date]
    /// Changes one service record; nil when there is no such service.
    @discardableResult
    func updateService(host: String, binary: String, _ change: @escaping @Sendable (inout ZunService) -> Void) async throws
        -> ZunService?
    /// Deletes a service record (and the compute node of a `zun-compute` service); false when absent.
    func deleteService(host: String, binary: String) async throws -> Bool
}

/// One compute host's heartbeat, as the node protocol buffers it.
public struct Heartbeat: Sendable, Equatable {
    public var host: String
    public var availabilityZone: String
    public var endpoint: String?
    public var at: Date

    public init(host: String, availabilityZone: String, endpoint: String?, at: Date) {
        self.host = host
        self.availabilityZone = availabilityZone
        self.endpoint = endpoint
        self.at = at
    }
}
