import Foundation
import SQLKit
import ZunCore

/// `ActionLog` on SQL: `container_actions` and `container_actions_events`.
extension SQLStore {
    public func actions(containerUUID: String) async throws -> [ContainerAction] {
        try await backend.readEach { db in
            try await db.run(
                "SELECT * FROM container_actions WHERE container_uuid = \(bind: containerUUID) ORDER BY start_time DESC, id DESC"
            ).map(Self.decodeAction)
        }
    }

    public func action(containerUUID: String, requestID: String) async throws -> ContainerAction? {
        try await backend.readEach { db in
            try await Self.findAction(containerUUID: containerUUID, requestID: requestID, db)
        }
    }

    public func events(actionID: Int64) async throws -> [ContainerActionEvent] {
        try await backend.readEach { db in
            try await db.run(
                "SELECT * FROM container_actions_events WHERE action_id = \(bind: actionID) ORDER BY start_time DESC, id DESC"
            ).map { row in
                var event = ContainerActionEvent(
                    actionID: Int64(try row.int("action_id") ?? 0), event: try row.string("event") ?? "",
                    startTime: Date(timeIntervalSince1970: try row.double("start_time") ?? 0)
                )
                event.id = try row.int("id").map(Int64.init)
                event.finishTime = try row.double("finish_time").map(Date.init(timeIntervalSince1970:))
                event.result = try row.string("result")
                event.traceback = try row.string("traceback")
                return event
            }
        }
    }

    public func startEvent(containerUUID: String, requestID: String, event: String, at: Date) async throws {
        try await writeReports(named: #function) { try await $0.startEvent(containerUUID: containerUUID, requestID: requestID, event: event, at: at) }
    }

    public func finishEvent(
        containerUUID: String, requestID: String, event: String, result: String, traceback: String?, at: Date
    ) async throws {
        try await writeReports(named: #function) {
            try await $0.finishEvent(containerUUID: containerUUID, requestID: requestID, event: event, result: result, traceback: traceback, at: at)
        }
    }

    public func finishAction(containerUUID: String, requestID: String, failed: Bool, at: Date) async throws {
        try await writeReports(named: #function) { try await $0.finishAction(containerUUID: containerUUID, requestID: requestID, failed: failed, at: at) }
    }

    func insertAction(_ a: ContainerAction, _ db: any SQLDatabase) async throws {
        try await db.run(
            """
            INSERT INTO container_actions (container_uuid, action, request_id, user_id, project_id, start_time,
                                           finish_time, message)
            VALUES (\(bind: a.containerUUID), \(bind: a.action), \(bind: a.requestID), \(bind: a.userID), \(bind: a.projectID), \(bind: a.startTime.timeIntervalSince1970), \(bind: a.finishTime?.timeIntervalSince1970), \(bind: a.message))
            """
        )
    }

    static func findAction(containerUUID: String, requestID: String, _ db: any SQLDatabase) async throws
        -> ContainerAction?
    {
        try await db.run(
            "SELECT * FROM container_actions WHERE container_uuid = \(bind: containerUUID) AND request_id = \(bind: requestID) ORDER BY id DESC LIMIT 1"
        ).first.map(decodeAction)
    }

    static func decodeAction(_ row: any SQLRow) throws -> ContainerAction {
        var action = ContainerAction(
            action: try row.string("action") ?? "", containerUUID: try row.string("container_uuid") ?? "",
            requestID: try row.string("request_id") ?? "", userID: try row.string("user_id") ?? "",
            projectID: try row.string("project_id") ?? "",
            startTime: Date(timeIntervalSince1970: try row.double("start_time") ?? 0)
        )
        action.id = try row.int("id").map(Int64.init)
        action.finishTime = try row.double("finish_time").map(Date.init(timeIntervalSince1970:))
        action.message = try row.string("message")
        return action
    }
}
