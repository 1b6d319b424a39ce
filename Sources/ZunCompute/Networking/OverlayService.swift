import ServiceLifecycle

/// Keeps this host's overlays in line with the records: every second it re-reads each attached network's peers
/// and programs what changed, so a port that appears, moves or goes anywhere reaches this host within about a
/// second (docs/architecture.md, "Networks").
struct OverlayService: Service {
    let overlay: HostOverlay
    var interval: Duration = .seconds(1)

    func run() async throws {
        for await _ in AsyncTimerSequence(interval: interval).cancelOnGracefulShutdown() {
            await overlay.reconcileAll()
        }
    }
}
