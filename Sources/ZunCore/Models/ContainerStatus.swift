/// A container's `status`, with Zun's names (reference §3.1).
public enum ContainerStatus: String, Codable, Sendable, CaseIterable {
    case creating = "Creating"
    case created = "Created"
    case running = "Running"
    case stopped = "Stopped"
    case paused = "Paused"
    case restarting = "Restarting"
    case rebuilding = "Rebuilding"
    case deleting = "Deleting"
    case deleted = "Deleted"
    case error = "Error"
    case unknown = "Unknown"
    case dead = "Dead"
}

/// What the compute host is doing to a container right now (`task_state`, reference §3.1).
public enum ContainerTaskState: String, Codable, Sendable, CaseIterable {
    case imagePulling = "image_pulling"
    case containerCreating = "container_creating"
    case containerStarting = "container_starting"
    case containerDeleting = "container_deleting"
    case containerStopping = "container_stopping"
    case containerRebooting = "container_rebooting"
    case containerPausing = "container_pausing"
    case containerUnpausing = "container_unpausing"
    case containerKilling = "container_killing"
    case networkAttaching = "network_attaching"
    case networkDetaching = "network_detaching"
    case containerRebuilding = "container_rebuilding"
}

/// The statuses each API action accepts (Zun's `VALID_STATES`, reference §3.2).
public enum ContainerStateRules {
    public static let allowed: [String: Set<ContainerStatus>] = [
        "start": [.created, .stopped, .error],
        "stop": [.running],
        "reboot": [.created, .running, .stopped, .error],
        "rebuild": [.created, .running, .stopped, .error],
        "pause": [.running],
        "unpause": [.paused],
        "kill": [.running],
        "execute": [.running],
        "execute_resize": [.running],
        "attach": [.running],
        "resize": [.running],
        "top": [.running],
        "stats": [.running],
        "commit": [.running, .stopped, .paused],
        "logs": [.created, .error, .paused, .running, .stopped, .unknown],
        "get_archive": [.created, .paused, .running, .stopped],
        "put_archive": [.created, .paused, .running, .stopped],
        "update": [.created, .running, .stopped, .paused],
        "resize_container": [.created, .running, .stopped, .paused],
        "add_security_group": [.created, .running, .stopped, .paused],
        "remove_security_group": [.created, .running, .stopped, .paused],
        "delete": [.created, .error, .stopped, .deleted, .dead],
        "delete_force": [
            .created, .creating, .error, .running, .stopped, .unknown, .deleted, .dead, .restarting, .rebuilding,
            .deleting,
        ],
        "delete_after_stop": [.running, .created, .error, .stopped, .deleted, .dead],
    ]

    /// Throws Zun's 409 when `status` does not allow `action`. An action without a rule is refused (a 500
    /// naming it in the log), never allowed and never a trap that would take the process down.
    public static func check(action: String, container: Container) throws {
        guard let states = allowed[action] else { throw ZunError.internalError("no state rule for \(action)") }
        if !states.contains(container.status) {
            throw ZunError.invalidState(action: action, uuid: container.uuid, status: container.status)
        }
    }
}
