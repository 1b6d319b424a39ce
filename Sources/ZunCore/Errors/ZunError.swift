/// A failure the caller should hear about: what kind of failure it is, Zun's error code and a message.
///
/// Domain code and the store say what went wrong (`kind`); the HTTP front ends map the kind to a status in
/// one place (`ZunError.Kind.httpStatus`, ZunError+HTTP.swift). `code` is Zun's exception class name in
/// kebab case (`invalid-state-exception`); the API renders it as `container.<code>` inside Zun's
/// `{"errors": [...]}` body. Internal errors never show their message to the caller; it is only logged.
public struct ZunError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable, CaseIterable, Codable {
        /// The request is malformed or asks for something invalid.
        case invalidInput
        /// The caller is not who it must be (a missing or wrong credential).
        case unauthenticated
        /// The caller may not do this.
        case forbidden
        /// The thing named does not exist, or the caller may not know that it does.
        case notFound
        /// The request's API version is not served.
        case notAcceptable
        /// The thing is not in a state that allows the request.
        case conflict
        /// The request body is larger than the service reads.
        case payloadTooLarge
        /// The request body is not in a format the service reads.
        case unsupportedMediaType
        /// A part the request needs (a compute host) is not available now.
        case unavailable
        /// A fault of the service itself.
        case internalError
    }

    public var kind: Kind
    public var code: String
    public var message: String
    /// Extra response headers (the version headers of a 406, for example).
    public var headers: [String: String]
    /// Title to show instead of the message (framework-style errors such as 406/415 have their own title).
    public var title: String?

    public init(_ kind: Kind, code: String, message: String, headers: [String: String] = [:], title: String? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.headers = headers
        self.title = title
    }

    public var description: String { "\(kind) \(code): \(message)" }
}

extension ZunError {
    /// A JSON-schema violation in a request body or query .
    public static func schemaValidation(_ message: String) -> ZunError {
        ZunError(.invalidInput, code: "schema-validation-error", message: message)
    }

    /// A value the schema admits but the service does not .
    public static func invalidValue(_ message: String) -> ZunError {
        ZunError(.invalidInput, code: "invalid-value", message: message)
    }

    /// A parameter used below the microversion that introduced it .
    public static func invalidParamInVersion(_ param: String, version: APIVersion) -> ZunError {
        ZunError(
            .invalidInput, code: "invalid-param-in-version",
            message: "Invalid param \(param) because current request version is \(version). \(param) is not supported in this version"
        )
    }

    /// A bad `sort_key` or similar parameter .
    public static func invalidParameterValue(_ message: String) -> ZunError {
        ZunError(.invalidInput, code: "invalid-parameter-value", message: message)
    }

    /// Policy denied the caller.
    /// No credential, or one that does not check out (Zun's 401 from keystonemiddleware).
    public static func unauthenticated(_ message: String = "The request you have made requires authentication.") -> ZunError {
        ZunError(.unauthenticated, code: "unauthorized", message: message, title: "Unauthorized")
    }

    public static func policyNotAuthorized(_ rule: String) -> ZunError {
        ZunError(.forbidden, code: "policy-not-authorized", message: "Policy doesn't allow \(rule) to be performed.")
    }

    /// No container with that uuid or name is visible to the caller.
    public static func containerNotFound(_ ident: String) -> ZunError {
        ZunError(.notFound, code: "container-not-found", message: "Container \(ident) could not be found.")
    }

    /// No compute node with that uuid or hostname.
    public static func computeNodeNotFound(_ ident: String) -> ZunError {
        ZunError(.notFound, code: "compute-node-not-found", message: "ComputeNode \(ident) could not be found.")
    }

    /// The admin pinned a host that does not exist (404, as Zun's code does; its api-ref says 400).
    public static func requestedHostNotFound(_ host: String) -> ZunError {
        ZunError(.notFound, code: "requested-host-not-found", message: "Requested host \(host) could not be found")
    }

    /// A generic missing resource, e.g. an action by request id.
    public static func resourceNotFound(_ name: String, _ ident: String) -> ZunError {
        ZunError(.notFound, code: "resource-not-found", message: "The resource \(name) could not be found: \(ident)")
    }

    /// A conflict such as an ambiguous name.
    public static func conflict(_ message: String) -> ZunError {
        ZunError(.conflict, code: "conflict", message: message)
    }

    /// The container's status does not allow the action.
    public static func invalidState(action: String, uuid: String, status: ContainerStatus) -> ZunError {
        ZunError(
            .conflict, code: "invalid-state-exception",
            message: "Cannot \(action) container \(uuid) in \(status.rawValue) state."
        )
    }

    /// The container's compute host is not up, so a node-local call cannot be made.
    public static func hostNotUp(_ host: String) -> ZunError {
        ZunError(.unavailable, code: "container-host-not-up", message: "Container host \(host) is not up.")
    }

    /// Anything unexpected; the message is logged, not shown.
    public static func internalError(_ message: String) -> ZunError {
        ZunError(.internalError, code: "", message: message)
    }
}
