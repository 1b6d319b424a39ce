/// A failed Docker Engine call: the HTTP status and the engine's own message.
public struct DockerError: Error, Sendable, CustomStringConvertible, Equatable {
    public var status: Int
    public var message: String

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    /// The engine could not be reached at all.
    public static func unreachable(_ endpoint: String, _ reason: String) -> DockerError {
        DockerError(status: 0, message: "Docker engine at \(endpoint) is not reachable: \(reason)")
    }

    public var isNotFound: Bool { status == 404 }
    public var isConflict: Bool { status == 409 }
    public var description: String { status == 0 ? message : "Docker error \(status): \(message)" }
}
