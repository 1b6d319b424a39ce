import Foundation

/// What a compute host saw of one of its containers in its engine, in terms the control plane can apply to the
/// record without the engine's types: the status the agent mapped, and what decides it when the record's own
/// status matters (a container the engine never started).
public struct EngineObservation: Codable, Sendable, Equatable {
    public var containerID: String
    public var status: ContainerStatus
    public var detail: String?
    /// Why the status is what it is (the engine's error), already stripped of host paths.
    public var reason: String?
    /// The engine made the container but never started it: the status then depends on the record's.
    public var neverStarted: Bool
    public var hostname: String?
    public var exposedPorts: [Int]?
    /// Engine network name → the container's addresses on it.
    public var networks: [String: EngineAddresses]?

    public init(
        containerID: String, status: ContainerStatus, detail: String?, reason: String?, neverStarted: Bool,
        hostname: String?, exposedPorts: [Int]?, networks: [String: EngineAddresses]?
    ) {
        self.containerID = containerID
        self.status = status
        self.detail = detail
        self.reason = reason
        self.neverStarted = neverStarted
        self.hostname = hostname
        self.exposedPorts = exposedPorts
        self.networks = networks
    }
}

public struct EngineAddresses: Codable, Sendable, Equatable {
    public var ipv4: String?
    public var ipv6: String?

    public init(ipv4: String?, ipv6: String?) {
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }
}

/// A change a compute host reports about a container placed on it: the only way an agent changes a container
/// record. A report is a value, not a closure, so that it can cross the node protocol (docs/node-protocol.md);
/// `apply(to:now:)` is the one place its rule lives, whichever side applies it.
public enum ContainerReport: Codable, Sendable, Equatable {
    /// `task_state` set or cleared.
    case taskState(ContainerTaskState?)
    /// The operation failed on the host: `Error` with a reason a human can act on, task state cleared.
    case failed(reason: String)
    /// The engine removed an auto-remove container: `Deleted`, task state cleared.
    case removed
    /// The sync found no engine container and no task holds the record: `Error` naming what vanished.
    case vanished(reason: String)
    /// The sync found an auto-remove container gone and no task holds the record: `Deleted`.
    case removedWhileIdle
    /// The engine's view of the container, settling the record: a task or the start-up recovery writes it,
    /// and the task state is cleared.
    case observed(EngineObservation)
    /// The engine's view as the periodic sync saw it, for the record as it read it (its `updated_at`): dropped
    /// (`Stale`) when the record changed since or a task holds it, so an inspect that raced an action does not
    /// record a passing state after the action finished. The task state is kept.
    case observedIfUnchanged(EngineObservation, updatedAt: Date?)
    /// A rebuild replaced the engine container.
    case rebuilt(containerID: String, image: String)
    /// The image's `Cmd`/`Entrypoint`, for a record the user gave none (as Zun does).
    case filledFromImage(command: [String]?, entrypoint: [String]?)
    /// A lifecycle operation failed: task state cleared, and a reboot's `Restarting` becomes `Unknown` until
    /// the next sync says what the engine has.
    case operationFailed
    /// The sync rebuilds a vanished auto-heal container in place (its rebuild task goes with the report).
    case healing
    /// The start-up recovery finishes a delete the API acknowledged (its forced delete task goes with it).
    case deletingAgain

    /// The record moved on since the observation's read: the report is dropped.
    public struct Stale: Error {}

    public func apply(to container: inout Container, now: Date) throws {
        switch self {
        case .taskState(let state):
            container.taskState = state
        case .failed(let reason):
            container.status = .error
            container.statusReason = reason
            container.taskState = nil
        case .removed:
            container.status = .deleted
            container.taskState = nil
        case .vanished(let reason):
            guard container.taskState == nil else { return }
            container.status = .error
            container.statusReason = reason
            container.statusDetail = nil
        case .removedWhileIdle:
            if container.taskState == nil { container.status = .deleted }
        case .observed(let observation):
            Self.copy(observation, into: &container, now: now, clearTaskState: true)
        case .observedIfUnchanged(let observation, let updatedAt):
            if container.updatedAt != updatedAt || container.taskState != nil { throw Stale() }
            Self.copy(observation, into: &container, now: now, clearTaskState: false)
        case .rebuilt(let containerID, let image):
            container.status = .creating  // so the engine's "created" maps to Created
            container.statusReason = nil
            container.containerID = containerID
            container.image = image
        case .filledFromImage(let command, let entrypoint):
            if let command { container.command = command }
            if let entrypoint { container.entrypoint = entrypoint }
        case .operationFailed:
            container.taskState = nil
            if container.status == .restarting { container.status = .unknown }
        case .healing:
            container.status = .rebuilding
        case .deletingAgain:
            container.status = .deleting
        }
    }

    private static func copy(_ observation: EngineObservation, into container: inout Container, now: Date, clearTaskState: Bool) {
        let status = observation.neverStarted ? ContainerStatus.neverStarted(current: container.status) : observation.status
        // A pending delete owns the status until the record goes away.
        if container.status != .deleting { container.status = status }
        container.statusDetail = observation.neverStarted ? status.neverStartedDetail : observation.detail
        container.statusReason = observation.reason
        container.containerID = observation.containerID
        if container.hostname == nil { container.hostname = observation.hostname }
        if let ports = observation.exposedPorts { container.ports = ports }
        if let networks = observation.networks { container.addresses = addresses(networks, container.networks ?? []) }
        if status == .running, container.startedAt == nil { container.startedAt = now }
        if clearTaskState { container.taskState = nil }
    }

    /// Zun's `addresses`: keyed by network uuid for our networks (with the port and its preserve flag), by
    /// the engine's network name for any other.
    static func addresses(_ networks: [String: EngineAddresses], _ attachments: [NetworkAttachment]) -> [String: [ContainerAddress]] {
        let byDockerName = Dictionary(attachments.map { (Network.dockerName($0.networkUUID), $0) }, uniquingKeysWith: { a, _ in a })
        var addresses: [String: [ContainerAddress]] = [:]
        for (name, network) in networks {
            let attachment = byDockerName[name]
            var list: [ContainerAddress] = []
            for (ip, version) in [(network.ipv4, 4), (network.ipv6, 6)] {
                guard let ip, !ip.isEmpty else { continue }
                list.append(ContainerAddress(
                    addr: ip, version: version, port: attachment?.portUUID, subnetID: nil,
                    preserveOnDelete: attachment?.preserveOnDelete ?? false
                ))
            }
            if !list.isEmpty { addresses[attachment?.networkUUID ?? name] = list }
        }
        return addresses
    }
}

extension ContainerStatus {
    /// The status of a container the engine made but never started, which depends on the record's (Zun's
    /// `_populate_container_state`): a create in progress is `Created`; `Created`, `Restarting`, `Error` and
    /// `Rebuilding` stay; anything else is `Created`.
    public static func neverStarted(current: ContainerStatus) -> ContainerStatus {
        [.created, .restarting, .error, .rebuilding].contains(current) ? current : .created
    }

    /// The status detail shown for a never-started container in this status.
    public var neverStartedDetail: String? { self == .created ? "Created" : nil }
}
