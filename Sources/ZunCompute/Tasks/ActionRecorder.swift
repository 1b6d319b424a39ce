import Foundation
import ZunCore

/// Records the events of one container action (each operation's `event`) around a step.
struct ActionRecorder: Sendable {
    let controlPlane: any ControlPlane
    let containerUUID: String
    let requestID: String

    /// Runs `body` between the start and finish rows of the operation's event; the event's result follows
    /// `body`'s outcome.
    func event<T: Sendable>(_ operation: ContainerOperation, _ body: () async throws -> T) async throws -> T {
        let name = operation.event ?? operation.name
        try await controlPlane.submit(.eventStarted(containerUUID: containerUUID, requestID: requestID, event: name))
        do {
            let result = try await body()
            try await controlPlane.submit(
                .eventFinished(containerUUID: containerUUID, requestID: requestID, event: name, result: "Success", traceback: nil)
            )
            return result
        } catch {
            _ = try? await controlPlane.submit(
                .eventFinished(containerUUID: containerUUID, requestID: requestID, event: name, result: "Error", traceback: "\(error)")
            )
            throw error
        }
    }

    func finish(failed: Bool) async throws {
        try await controlPlane.submit(.actionFinished(containerUUID: containerUUID, requestID: requestID, failed: failed))
    }
}
