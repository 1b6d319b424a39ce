import Foundation
import ZunCore
import ZunStore

/// Records the events of one container action (`compute__do_container_create`, ...) around a step.
struct ActionRecorder: Sendable {
    let store: any ZunStore
    let containerUUID: String
    let requestID: String

    /// Runs `body` between an event's start and finish rows; the event's result follows `body`'s outcome.
    func event<T: Sendable>(_ name: String, _ body: () async throws -> T) async throws -> T {
        try await store.startEvent(containerUUID: containerUUID, requestID: requestID, event: name, at: Date())
        do {
            let result = try await body()
            try await store.finishEvent(
                containerUUID: containerUUID, requestID: requestID, event: name, result: "Success", traceback: nil, at: Date()
            )
            return result
        } catch {
            try? await store.finishEvent(
                containerUUID: containerUUID, requestID: requestID, event: name, result: "Error",
                traceback: "\(error)", at: Date()
            )
            throw error
        }
    }

    func finish(failed: Bool) async throws {
        try await store.finishAction(containerUUID: containerUUID, requestID: requestID, failed: failed, at: Date())
    }
}
