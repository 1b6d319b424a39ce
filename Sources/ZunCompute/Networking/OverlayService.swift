import Logging
import ServiceLifecycle
import ZunCore

/// Keeps this host's overlays in line with the records (docs/architecture.md, "Networks"). It long-polls the
/// control plane for port changes on this host's networks (woken by the notifications that wake task claims),
/// and after each answer re-reads every attached network's peers and programs what changed. A poll that ends
/// without a change is the periodic full reconcile, so a lost wake-up costs at most `fullReconcileInterval`.
struct OverlayService: Service {
    let overlay: HostOverlay
    let controlPlane: any ControlPlane
    let logger: Logger
    var fullReconcileInterval: Duration = .seconds(10)

    func run() async throws {
        let wait = Double(fullReconcileInterval.components.seconds)
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await overlay.reconcileAll()
                do {
                    try await controlPlane.waitForOverlayChange(waitSeconds: wait)
                } catch {
                    if Task.isCancelled { return }
                    logger.debug("waiting for overlay changes failed", metadata: [LogKey.error: "\(error)"])
                    try await Task.sleep(for: .seconds(1))
                }
            }
        }
    }
}
