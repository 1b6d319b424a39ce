import Foundation
import ZunCore

/// Records the events of one container action (each operation's `event`) around a step. The events and
/// the action's end are posted to the task's outbox, stamped with this host's time: they travel with the
/// task's next report.
struct ActionRecorder: Sendable {
    let reports: ReportOutbox
    let clock: any WallClock
    let containerUUID: String
    let requestID: String

    /// Runs `body` between the start and finish rows of the operation's event; the event's result follows
    /// `body`'s outcome.
    func event<T: Sendable>(_ operation: ContainerOperation, _ body: () async throws -> T) async throws -> T {
        let name = operation.event ?? operation.name
        reports.post(.eventStarted(containerUUID: containerUUID, requestID: requestID, event: name, at: clock.now))
        do {
            let result = try await body()
            reports.post(
                .eventFinished(containerUUID: containerUUID, requestID: requestID, event: name, result: "Success", traceback: nil, at: clock.now)
            )
            return result
        } catch {
            reports.post(
                .eventFinished(
                    containerUUID: containerUUID, requestID: requestID, event: name, result: "Error", traceback: "\(error)", at: clock.now
                )
            )
            throw error
        }
    }

    func finish(failed: Bool) {
        reports.post(.actionFinished(containerUUID: containerUUID, requestID: requestID, failed: failed, at: clock.now))
    }
}
