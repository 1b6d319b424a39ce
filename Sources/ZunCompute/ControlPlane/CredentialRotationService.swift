import Logging
import ServiceLifecycle
import ZunCore

/// Rotates a node's credential every `interval` without restarting the agent (docs/node-protocol.md,
/// "Per-node identity"); a failed rotation is retried at the next tick, the current credential still valid.
public struct CredentialRotationService: Service {
    let controlPlane: HTTPControlPlane
    let interval: Duration
    let logger: Logger

    public init(controlPlane: HTTPControlPlane, interval: Duration, logger: Logger) {
        self.controlPlane = controlPlane
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        for await _ in AsyncTimerSequence(interval: interval).cancelOnGracefulShutdown() {
            do {
                try await controlPlane.rotateCredential()
            } catch {
                logger.warning("rotating the node credential failed; the current one stays", metadata: [LogKey.error: "\(error)"])
            }
        }
    }
}
