import Foundation
import NIOConcurrencyHelpers
import ZunCore

/// Each project's default network, remembered for a few seconds so a burst of creates does not read it from
/// the store every time (on SQLite the reads share threads with the one writer). A network deleted through
/// this API is forgotten at once; one deleted through another replica is forgotten within `lifetime`, and a
/// create in between is refused with the store's clear 404 for the missing network.
final class DefaultNetworkCache: Sendable {
    private let entries = NIOLockedValueBox<[String: (network: Network, until: ContinuousClock.Instant)]>([:])
    let lifetime: Duration

    init(lifetime: Duration = .seconds(5)) {
        self.lifetime = lifetime
    }

    func network(projectID: String, orLoad load: () async throws -> Network) async throws -> Network {
        let now = ContinuousClock.now
        if let entry = entries.withLockedValue({ $0[projectID] }), entry.until > now { return entry.network }
        let network = try await load()
        entries.withLockedValue { $0[projectID] = (network, now + lifetime) }
        return network
    }

    func forget(networkUUID: String) {
        entries.withLockedValue { entries in entries = entries.filter { $0.value.network.uuid != networkUUID } }
    }
}
