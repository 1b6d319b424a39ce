/// The registry of container operations: every action the API offers and every task a compute host runs
/// is one entry here. Statuses are Zun's `VALID_STATES` (upstream zun/common/consts and api/utils).
public enum ContainerOperations {
    public static let create = ContainerOperation(
        "create", states: nil, task: (.operations, .containerCreating)
    )
    public static let start = ContainerOperation(
        "start", states: [.created, .stopped, .error], task: (.operations, .containerStarting), route: .lifecycle([])
    )
    public static let stop = ContainerOperation(
        "stop", states: [.running], task: (.graceful, .containerStopping), route: .lifecycle([.timeout])
    )
    public static let reboot = ContainerOperation(
        "reboot", states: [.created, .running, .stopped, .error], newStatus: .restarting,
        task: (.graceful, .containerRebooting), route: .lifecycle([.timeout])
    )
    public static let pause = ContainerOperation(
        "pause", states: [.running], task: (.operations, .containerPausing), route: .lifecycle([])
    )
    public static let unpause = ContainerOperation(
        "unpause", states: [.paused], task: (.operations, .containerUnpausing), route: .lifecycle([])
    )
    public static let kill = ContainerOperation(
        "kill", states: [.running], task: (.operations, .containerKilling), route: .lifecycle([.signal])
    )
    public static let rebuild = ContainerOperation(
        "rebuild", states: [.created, .running, .stopped, .error], newStatus: .rebuilding,
        task: (.operations, .containerRebuilding)
    )
    public static let delete = ContainerOperation(
        "delete", states: [.created, .error, .stopped, .deleted, .dead], newStatus: .deleting,
        task: (.operations, .containerDeleting)
    )
    /// `DELETE …?force=True` (admin): any status but the transient ones of a live engine call.
    public static let deleteForce = ContainerOperation(
        "delete_force", policy: .container("delete_force", .adminAPI),
        states: [.created, .creating, .error, .running, .stopped, .unknown, .deleted, .dead, .restarting, .rebuilding, .deleting]
    )
    /// `DELETE …?stop=True`: stops a running container first; checked with `delete`'s and `stop`'s rules.
    public static let deleteAfterStop = ContainerOperation(
        "delete_after_stop", policy: .container("delete"), states: [.running, .created, .error, .stopped, .deleted, .dead]
    )
    public static let networkAttach = ContainerOperation(
        "network_attach", states: nil, task: (.operations, .networkAttaching), event: "compute__do_network_attach"
    )
    public static let networkDetach = ContainerOperation(
        "network_detach", states: nil, task: (.operations, .networkDetaching), event: "compute__do_network_detach"
    )

    // MARK: Synchronous calls on the container's host

    public static let logs = ContainerOperation("logs", states: [.created, .error, .paused, .running, .stopped, .unknown])
    public static let top = ContainerOperation("top", states: [.running])
    public static let stats = ContainerOperation("stats", states: [.running])
    public static let execute = ContainerOperation("execute", states: [.running])
    public static let executeResize = ContainerOperation("execute_resize", states: [.running])
    public static let attach = ContainerOperation("attach", states: [.running])
    public static let resize = ContainerOperation("resize", states: [.running])
    public static let getArchive = ContainerOperation("get_archive", states: [.created, .paused, .running, .stopped])
    public static let putArchive = ContainerOperation("put_archive", states: [.created, .paused, .running, .stopped])
    /// The engine pauses a running container while it commits it: `container_pausing` keeps the state sync
    /// from recording that passing `Paused`.
    public static let commit = ContainerOperation(
        "commit", states: [.running, .stopped, .paused], event: "compute__do_container_commit"
    )
    public static let update = ContainerOperation("update", states: [.created, .running, .stopped, .paused])
    public static let resizeContainer = ContainerOperation("resize_container", states: [.created, .running, .stopped, .paused])

    // MARK: Record-only changes and reads

    public static let rename = ContainerOperation("rename", states: nil)
    public static let addSecurityGroup = ContainerOperation("add_security_group", states: [.created, .running, .stopped, .paused])
    public static let removeSecurityGroup = ContainerOperation("remove_security_group", states: [.created, .running, .stopped, .paused])
    public static let networkList = ContainerOperation("network_list", policy: .container("get_one"), states: nil)
    public static let actions = ContainerOperation("actions", states: nil)

    /// Every operation, in a stable order.
    public static let all: [ContainerOperation] = [
        create, start, stop, reboot, pause, unpause, kill, rebuild, delete, deleteForce, deleteAfterStop,
        networkAttach, networkDetach, logs, top, stats, execute, executeResize, attach, resize, getArchive,
        putArchive, commit, update, resizeContainer, rename, addSecurityGroup, removeSecurityGroup, networkList,
        actions,
    ]

    /// Operations a compute host runs as tasks.
    public static let tasks: [ContainerOperation] = all.filter { $0.task != nil }

    public static func named(_ name: String) -> ContainerOperation? { byName[name] }

    /// The operation a task kind belongs to.
    public static func operation(for kind: ComputeTask.Kind) -> ContainerOperation? { byTaskKind[kind] }

    private static let byName = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    private static let byTaskKind = Dictionary(
        tasks.compactMap { op in op.task.map { ($0.kind, op) } }, uniquingKeysWith: { a, _ in a }
    )
}
