/// One thing a user can do to a container, with everything the API and the compute host need to know
/// about it in one place: its name, policy rule, the statuses it is allowed in, and — for operations a
/// compute host runs as a task — the task kind, lane, `task_state` and the event it records.
///
/// `ContainerOperations` lists them all (docs/architecture.md, "Adding an operation").
public struct ContainerOperation: Sendable, Hashable, CustomStringConvertible {
    /// The action name: in URLs (`POST …/{ident}/<name>`), action records and 409 messages.
    public let name: String
    public let policy: PolicyRule
    /// Statuses the operation accepts (Zun's `VALID_STATES`); nil when any status will do.
    public let allowedStates: Set<ContainerStatus>?
    /// The status written together with the action and task (a reboot shows `Restarting` at once).
    public let newStatus: ContainerStatus?
    /// Set when a compute host runs the operation as a durable task.
    public let task: TaskSpec?
    /// The event the operation records in its action (`compute__do_container_<name>`).
    public let event: String?
    /// How the API exposes it: the shared lifecycle route, or a route of its own.
    public let route: Route

    /// The parts of an operation that runs on a compute host.
    public struct TaskSpec: Sendable, Hashable {
        public let kind: ComputeTask.Kind
        public let lane: ComputeTask.Lane
        /// The `task_state` shown while the host works on it.
        public let taskState: ContainerTaskState?
    }

    public enum Route: Sendable, Hashable {
        /// `POST …/{ident}/<name>` taking only these query parameters, answered 202 once the action and the
        /// task are recorded (start, stop, pause, …).
        case lifecycle([TaskParameter])
        /// A route of its own, with its own controller code.
        case own
    }

    /// Query parameters a lifecycle operation may take, checked by the API before anything is written.
    public enum TaskParameter: String, Sendable, Hashable {
        /// `timeout`: seconds to wait for a graceful stop (0–3600).
        case timeout
        /// `signal`: a signal name or number.
        case signal
    }

    init(
        _ name: String, policy: PolicyRule? = nil, states: Set<ContainerStatus>?, newStatus: ContainerStatus? = nil,
        task: (lane: ComputeTask.Lane, state: ContainerTaskState?)? = nil, event: String? = nil, route: Route = .own
    ) {
        self.name = name
        self.policy = policy ?? .container(name)
        self.allowedStates = states
        self.newStatus = newStatus
        self.task = task.map { TaskSpec(kind: ComputeTask.Kind(rawValue: name), lane: $0.lane, taskState: $0.state) }
        self.event = event ?? (task == nil ? nil : "compute__do_container_\(name)")
        self.route = route
    }

    public var description: String { name }

    /// The kind of the task that runs this operation on a host (meaningful when `task` is set).
    public var taskKind: ComputeTask.Kind { ComputeTask.Kind(rawValue: name) }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    /// Throws Zun's 409 when the container's status does not allow the operation.
    public func checkState(of container: Container) throws {
        guard let allowedStates, !allowedStates.contains(container.status) else { return }
        throw ZunError.invalidState(action: name, uuid: container.uuid, status: container.status)
    }
}
