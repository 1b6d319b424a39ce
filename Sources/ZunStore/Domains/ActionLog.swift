import Foundation
import ZunCore

/// Container actions and their events: Zun's `container_actions` history, written by the API (the action)
/// and by compute hosts (its events and end).
public protocol ActionLog: Sendable {
    func actions(containerUUID: String) async throws -> [ContainerAction]
    func action(containerUUID: String, requestID: String) async throws -> ContainerAction?
    func events(actionID: Int64) async throws -> [ContainerActionEvent]

    /// Starts (or, on a retried task, resumes) the event `event` of the action made by `requestID`.
    func startEvent(containerUUID: String, requestID: String, event: String, at: Date) async throws
    /// Finishes the event with `Success` or `Error`.
    func finishEvent(
        containerUUID: String, requestID: String, event: String, result: String, traceback: String?, at: Date
    ) async throws
    /// Sets the action's finish time, and `message = "Error"` when it failed.
    func finishAction(containerUUID: String, requestID: String, failed: Bool, at: Date) async throws
}
