import Foundation
import ZunCore

/// Networks, their ports and the containers attached to them.
public protocol NetworkRecords: Sendable {
    /// Writes a new network; one without an IPv4 subnet gets the first free one of `pool`. A duplicate name in
    /// the project or an overlapping subnet is a `ZunError` conflict.
    func createNetwork(_ network: Network, pool: SubnetPool) async throws -> Network
    /// The network a project's containers join when they ask for none: its oldest own network, else a new
    /// one named `default` (concurrent first users converge on one record).
    func projectDefaultNetwork(projectID: String, userID: String, pool: SubnetPool) async throws -> Network
    func network(uuid: String) async throws -> Network?
    /// The networks with these uuids that exist, in no particular order.
    func networks(uuids: [String]) async throws -> [Network]
    /// The ports of a network whose containers are on other hosts than `host` that take part in overlays (they
    /// reported an underlay address), as `host` programs them into its VXLAN device. With `aliveSince`, only
    /// hosts seen up since then and not forced down: a host declared down drops out of every overlay.
    func overlayPeers(networkUUID: String, excludingHost host: String, aliveSince: Date?) async throws -> [OverlayPeer]
    /// Returns when ports changed on a network `host` realized (in any API process), after `timeout`, or when
    /// cancelled. A change made while the host was not waiting ends its next wait at once.
    func waitForOverlayChange(host: String, timeout: Duration) async
    /// Wakes the overlay hosts of every network `host` realized: it came up, or was found down, so its ports
    /// join or leave their overlays.
    func overlayHostChanged(host: String) async throws
    /// Networks with this name that `projectID` may use (its own and shared ones; all when nil).
    func networks(named name: String, visibleTo projectID: String?) async throws -> [Network]
    func listNetworks(visibleTo projectID: String?) async throws -> [Network]
    /// Deletes a network no container uses (else a `ZunError` conflict), with its unbound ports.
    func deleteNetwork(uuid: String) async throws
    /// Records that `host` realized the network as the engine network `dockerID`, with an overlay of it or not
    /// (only hosts with one are woken when the network's ports change).
    func recordNetworkRealized(uuid: String, host: String, dockerID: String, overlay: Bool) async throws
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
}

extension NetworkRecords {
    /// Records that `host` realized the network, with an overlay of it.
    public func recordNetworkRealized(uuid: String, host: String, dockerID: String) async throws {
        try await recordNetworkRealized(uuid: uuid, host: host, dockerID: dockerID, overlay: true)
    }
}
