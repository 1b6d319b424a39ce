import Foundation
import Logging
import NIOConcurrencyHelpers
import ZunCore
import ZunStore

/// Tells overlay hosts when a compute host is declared down or comes back (docs/architecture.md, "Networks").
/// A host's ports leave every overlay while it is down, but being down is a matter of time passing, not a
/// record change, so nothing else would wake the other hosts: the dead-host reaper hands this watcher the
/// services that are down at each pass, and each host that went down or came back since the last pass wakes the hosts
/// of its networks. The first pass only learns the state (agents reconcile fully every few seconds anyway).
final class OverlayLivenessWatcher: Sendable {
    private let store: any NetworkRecords
    private let downAfter: TimeInterval
    private let logger: Logger
    private let down = NIOLockedValueBox<Set<String>?>(nil)

    init(store: any NetworkRecords, downAfter: TimeInterval, logger: Logger) {
        self.store = store
        self.downAfter = downAfter
        self.logger = logger
    }

    /// Compares the compute services' liveness with the last pass's and wakes the overlays of hosts that changed.
    /// `services` must hold at least every compute service that is down (those up may be left out).
    func observe(_ services: [ZunService], now: Date) async {
        let downNow = Set(services.filter { !$0.isUp(now: now, downAfter: downAfter) }.map(\.host))
        let changed = down.withLockedValue { down -> Set<String> in
            defer { down = downNow }
            guard let before = down else { return [] }
            return before.symmetricDifference(downNow)
        }
        for host in changed.sorted() {
            do {
                try await store.overlayHostChanged(host: host)
                logger.info("overlay hosts told of a liveness change", metadata: [LogKey.host: "\(host)", "down": "\(downNow.contains(host))"])
            } catch {
                logger.warning("waking overlay hosts failed", metadata: [LogKey.host: "\(host)", LogKey.error: "\(error)"])
            }
        }
    }
}
