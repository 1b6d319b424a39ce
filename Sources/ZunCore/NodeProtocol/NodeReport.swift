import Foundation

/// One thing a compute host tells the control plane (docs/node-protocol.md): the progress and result of a
/// task, the events of an action, and what the engine says about a container, network or volume of the host.
/// Reports are values so that they cross the node protocol and can be sent in batches; NodeRestriction is
/// checked on each (the container, task or volume must be the sending host's).
public enum NodeReport: Codable, Sendable, Equatable {
    /// A change of a container record, with the actions and tasks it starts (`ContainerRecords.report`).
    case container(uuid: String, report: ContainerReport, actions: [ContainerAction], tasks: [ComputeTask])
    /// A task done (nil error) or failed.
    case taskFinished(id: Int64, error: String?)
    /// A claimed task to be retried after `seconds`.
    case taskDeferred(id: Int64, seconds: Double)
    /// An action event started or finished, `at` the host's time (reports travel in batches, so the time
    /// they arrive is not the time they happened; nil or a future time is taken as the time of arrival).
    case eventStarted(containerUUID: String, requestID: String, event: String, at: Date? = nil)
    case eventFinished(containerUUID: String, requestID: String, event: String, result: String, traceback: String?, at: Date? = nil)
    /// An action finished.
    case actionFinished(containerUUID: String, requestID: String, failed: Bool, at: Date? = nil)
    /// The host realized a network as an engine network, with an overlay of it or not (nil: with one, as hosts
    /// of earlier versions reported).
    case networkRealized(uuid: String, dockerID: String, overlay: Bool? = nil)
    /// A container of the host left a network.
    case networkDetached(containerUUID: String, networkUUID: String)
    /// A volume was made on this host.
    case volumePlaced(uuid: String)
    /// A delete finished: the container's record goes.
    case containerDestroyed(uuid: String)

    /// The container the report is about, if any (for NodeRestriction and logs).
    public var containerUUID: String? {
        switch self {
        case .container(let uuid, _, _, _), .containerDestroyed(let uuid): uuid
        case .eventStarted(let uuid, _, _, _), .eventFinished(let uuid, _, _, _, _, _), .actionFinished(let uuid, _, _, _): uuid
        case .networkDetached(let uuid, _): uuid
        case .taskFinished, .taskDeferred, .networkRealized, .volumePlaced: nil
        }
    }
}

/// The outcome of one report: applied (with the container record after it, where there is one), or refused.
public enum NodeReportOutcome: Codable, Sendable, Equatable {
    case applied(Container?)
    case refused(ReportError)

    public func get() throws -> Container? {
        switch self {
        case .applied(let container): return container
        case .refused(let error): throw error.zunError
        }
    }
}

/// A refused report's error, as it crosses the wire.
public struct ReportError: Codable, Sendable, Equatable, Error {
    public var kind: ZunError.Kind
    public var code: String
    public var message: String

    public init(_ error: ZunError) {
        kind = error.kind
        code = error.code
        message = error.message
    }

    public var zunError: ZunError {
        ZunError(kind, code: code, message: message)
    }
}

/// The node protocol's JSON: dates as seconds (exact through a round trip), keys as the types name them.
public enum NodeProtocolCoding {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }
}
