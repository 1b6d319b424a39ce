/// Logger metadata keys used across the project, in one place.
public enum LogKey {
    public static let requestID = "request_id"
    public static let containerUUID = "container_uuid"
    public static let host = "host"
    public static let taskID = "task_id"
    public static let taskKind = "task_kind"
    public static let projectID = "project_id"
    public static let filter = "filter"
    public static let error = "error"
}
