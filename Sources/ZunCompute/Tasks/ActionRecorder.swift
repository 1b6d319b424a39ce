import Foundation
import ZunCore
import ZunStore

/// Records the events of one container action (each operation's `event`) around a step.
struct ActionRecorder: Sendable {
    let store: any ActionLog
    let clock: any WallClock
    let containerUUID: String
    let requestID: String

    /// Runs `body` between the start and finish rows of the operation's event; the event's result follows
    /// `body`'s outcome.
    func event<T: Sendable>(_ operation: ContainerOperation, _ body: () async throws -> T) async throws -> T {
        let name = operation.event ?? operation.name
        try await store.startEvent(containerUUID: containerUUID, requestID: requestID, event: name, at: clock.now)
        do {
            let result = try await body()
            try await store.finishEvent(
                containerUUID: containerUUID, requestID: requestID, event: name, result: "Success", traceback: nil, at: clock.now
            )
            return result
        } catch {
            try? await store.finishEvent(
                containerUUID: containerUUID, requestID: requestID, event: name, result: "Error",
                traceback: "\(error)", at: clock.now
            )
            throw error
        }
    }

    func finish(failed: Bool) async throws {
        try await store.finishAction(containerUUID: containerUUID, requestID: requestID, failed: failed, at: clock.now)
    }
}
