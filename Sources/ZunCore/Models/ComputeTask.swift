import Foundation

/// A unit of work for one compute host, written in the same transaction as the container change.
///
/// The agent claims it with a lease, runs it idempotently and marks it finished, so nothing is lost when
/// the agent restarts (design.md, "Task dispatch").
public struct ComputeTask: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case create, start, stop, delete, pause, unpause, kill, reboot, rebuild
        case networkAttach = "network_attach"
        case networkDetach = "network_detach"
    }

    public enum State: String, Codable, Sendable {
        case pending, running, done, failed
    }

    public var id: Int64?
    public var host: String
    public var containerUUID: String
    public var kind: Kind
    public var payload: Payload
    public var state: State
    public var attempts: Int
    public var leaseOwner: String?
    public var leaseUntil: Date?
    public var createdAt: Date
    public var finishedAt: Date?
    public var error: String?

    /// Parameters of the operation plus the request that asked for it.
    public struct Payload: Codable, Sendable, Equatable {
        public var requestID: String
        public var run: Bool?
        public var timeout: Int?
        public var force: Bool?
        /// Set when the task was moved here from a host that died before starting it.
        public var rescheduledFrom: String?
        /// The signal of a `kill` (nil: the engine's default, SIGKILL).
        public var signal: String?
        /// The network of a `network_attach` / `network_detach`.
        public var network: String?

        public init(requestID: String, run: Bool? = nil, timeout: Int? = nil, force: Bool? = nil) {
            self.requestID = requestID
            self.run = run
            self.timeout = timeout
            self.force = force
        }
    }

    public init(host: String, containerUUID: String, kind: Kind, payload: Payload, createdAt: Date) {
        self.host = host
        self.containerUUID = containerUUID
        self.kind = kind
        self.payload = payload
        self.state = .pending
        self.attempts = 0
        self.createdAt = createdAt
    }
}
