/// The one mapping from kinds of failure to HTTP statuses, used by the API and by the compute agent's
/// node endpoint when they render a `ZunError`, and backwards when a node call's error comes back.
extension ZunError.Kind {
    public var httpStatus: Int {
        switch self {
        case .invalidInput: 400
        case .unauthenticated: 401
        case .forbidden: 403
        case .notFound: 404
        case .notAcceptable: 406
        case .conflict: 409
        case .payloadTooLarge: 413
        case .unsupportedMediaType: 415
        case .unavailable: 503
        case .internalError: 500
        }
    }

    /// The kind an HTTP status stands for (an error relayed from another service).
    public init(httpStatus: Int) {
        self = Self.allCases.first { $0.httpStatus == httpStatus } ?? (httpStatus >= 500 ? .internalError : .invalidInput)
    }
}
