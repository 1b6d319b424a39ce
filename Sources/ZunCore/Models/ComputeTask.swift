import Foundation

/// A unit of work for one compute host, written in the same transaction as the container change.
///
/// The agent claims it with a lease, runs it idempotently and marks it finished, so nothing is lost when
/// the agent restarts (docs/architecture.md, "Durable dispatch").
public struct ComputeTask: Codable, Sendable, Equatable {
    /// What the task does: the name of the container operation it runs (`ContainerOperations.tasks`).
    /// A kind no operation has (written by a newer version, say) is kept as is, and its task fails on the
    /// host instead of failing the decode of every task around it.
    public struct Kind: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The lane its operation runs in.
        public var lane: Lane { ContainerOperations.operation(for: self)?.task?.lane ?? .operations }

        public static let create = ContainerOperations.create.taskKind
        public static let start = ContainerOperations.start.taskKind
        public static let stop = ContainerOperations.stop.taskKind
        public static let reboot = ContainerOperations.reboot.taskKind
        public static let pause = ContainerOperations.pause.taskKind
        public static let unpause = ContainerOperations.unpause.taskKind
        public static let kill = ContainerOperations.kill.taskKind
        public static let rebuild = ContainerOperations.rebuild.taskKind
        public static let delete = ContainerOperations.delete.taskKind
        public static let networkAttach = ContainerOperations.networkAttach.taskKind
        public static let networkDetach = ContainerOperations.networkDetach.taskKind
    }

    /// Tasks run in lanes with separate concurrency limits, so that one kind of work cannot take every slot of
    /// a host: a stop or reboot waits as long as its caller's `timeout` says (up to an hour), and a project
    /// stopping many containers that ignore SIGTERM must not hold up another project's create.
    public enum Lane: String, Sendable, CaseIterable, Codable, CodingKeyRepresentable {
        /// Stops and reboots: their length is the caller's grace period.
        case graceful
        /// Everything else: creates, starts, deletes, pauses, kills, rebuilds, network changes.
        case operations

        public var kinds: [Kind] { ContainerOperations.tasks.compactMap(\.task).filter { $0.lane == self }.map(\.kind) }
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
    /// How many times the task was running when its agent died (counted when the next agent starts).
    public var interruptions: Int
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
        /// The image a `rebuild` asked for; written to the record only once the new engine container runs it.
        public var image: String?

        public init(requestID: String, run: Bool? = nil, timeout: Int? = nil, force: Bool? = nil) {
            self.requestID = requestID
            self.run = run
            self.timeout = timeout
            self.force = force
        }
    }

    /// A task that was running twice when its agent died is not run a third time: whatever it does is
    /// likely what killed the agent, and running it again would take the host down for every project.
    public static let maximumInterruptions = 2

    public init(host: String, containerUUID: String, kind: Kind, payload: Payload, createdAt: Date) {
        self.host = host
        self.containerUUID = containerUUID
        self.kind = kind
        self.payload = payload
        self.state = .pending
        self.attempts = 0
        self.interruptions = 0
        self.createdAt = createdAt
    }
}
