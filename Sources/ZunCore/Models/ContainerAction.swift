import Foundation

/// One user-visible operation on a container (`create`, `start`, ...), keyed by the API request id.
public struct ContainerAction: Codable, Sendable, Equatable {
    public var id: Int64?
    public var action: String
    public var containerUUID: String
    public var requestID: String
    public var userID: String
    public var projectID: String
    public var startTime: Date
    public var finishTime: Date?
    public var message: String?

    public init(
        action: String, containerUUID: String, requestID: String, userID: String, projectID: String,
        startTime: Date
    ) {
        self.action = action
        self.containerUUID = containerUUID
        self.requestID = requestID
        self.userID = userID
        self.projectID = projectID
        self.startTime = startTime
    }
}

/// One step a compute host ran for an action: the `event` of its `ContainerOperation`.
public struct ContainerActionEvent: Codable, Sendable, Equatable {
    public var id: Int64?
    public var actionID: Int64
    public var event: String
    public var startTime: Date
    public var finishTime: Date?
    /// `Success` or `Error`.
    public var result: String?
    public var traceback: String?

    public init(actionID: Int64, event: String, startTime: Date) {
        self.actionID = actionID
        self.event = event
        self.startTime = startTime
    }
}
