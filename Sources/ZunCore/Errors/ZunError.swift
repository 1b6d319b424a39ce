/// An error the API shows to its caller: an HTTP status, Zun's error code and a message.
///
/// `code` is Zun's exception class name in kebab case (`invalid-state-exception`); the API renders it as
/// `container.<code>` inside Zun's `{"errors": [...]}` body. Errors of status 500 and above never show their
/// message to the caller; it is only logged.
public struct ZunError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String
    /// Extra response headers (the version headers of a 406, for example).
    public var headers: [String: String]
    /// Title to show instead of the message (framework-style errors such as 406/415 have their own title).
    public var title: String?

    public init(status: Int, code: String, message: String, headers: [String: String] = [:], title: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.title = title
    }

    public var description: String { "\(status) \(code): \(message)" }
}

extension ZunError {
    /// A JSON-schema violation in a request body or query (400).
    public static func schemaValidation(_ message: String) -> ZunError {
        ZunError(status: 400, code: "schema-validation-error", message: message)
    }

    /// A value the schema admits but the service does not (400).
    public static func invalidValue(_ message: String) -> ZunError {
        ZunError(status: 400, code: "invalid-value", message: message)
    }

    /// A parameter used below the microversion that introduced it (400).
    public static func invalidParamInVersion(_ param: String, version: APIVersion) -> ZunError {
        ZunError(
            status: 400, code: "invalid-param-in-version",
            message: "Invalid param \(param) because current request version is \(version). \(param) is not supported in this version"
        )
    }

    /// A bad `sort_key` or similar parameter (400).
    public static func invalidParameterValue(_ message: String) -> ZunError {
        ZunError(status: 400, code: "invalid-parameter-value", message: message)
    }

    /// Policy denied the caller (403).
    public static func policyNotAuthorized(_ rule: String) -> ZunError {
        ZunError(status: 403, code: "policy-not-authorized", message: "Policy doesn't allow \(rule) to be performed.")
    }

    /// No container with that uuid or name is visible to the caller (404).
    public static func containerNotFound(_ ident: String) -> ZunError {
        ZunError(status: 404, code: "container-not-found", message: "Container \(ident) could not be found.")
    }

    /// No compute node with that uuid or hostname (404).
    public static func computeNodeNotFound(_ ident: String) -> ZunError {
        ZunError(status: 404, code: "compute-node-not-found", message: "ComputeNode \(ident) could not be found.")
    }

    /// The admin pinned a host that does not exist (404, as Zun's code does; its api-ref says 400).
    public static func requestedHostNotFound(_ host: String) -> ZunError {
        ZunError(status: 404, code: "requested-host-not-found", message: "Requested host \(host) could not be found")
    }

    /// A generic missing resource (404), e.g. an action by request id.
    public static func resourceNotFound(_ name: String, _ ident: String) -> ZunError {
        ZunError(status: 404, code: "resource-not-found", message: "The resource \(name) could not be found: \(ident)")
    }

    /// A conflict such as an ambiguous name (409).
    public static func conflict(_ message: String) -> ZunError {
        ZunError(status: 409, code: "conflict", message: message)
    }

    /// The container's status does not allow the action (409).
    public static func invalidState(action: String, uuid: String, status: ContainerStatus) -> ZunError {
        ZunError(
            status: 409, code: "invalid-state-exception",
            message: "Cannot \(action) container \(uuid) in \(status.rawValue) state."
        )
    }

    /// The container's compute host is not up, so a node-local call cannot be made.
    public static func hostNotUp(_ host: String) -> ZunError {
        ZunError(status: 503, code: "container-host-not-up", message: "Container host \(host) is not up.")
    }

    /// Anything unexpected; the message is logged, not shown.
    public static func internalError(_ message: String) -> ZunError {
        ZunError(status: 500, code: "", message: message)
    }
}
