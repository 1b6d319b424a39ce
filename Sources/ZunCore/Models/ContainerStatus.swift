/// A container's `status`, with Zun's names.
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

/// What the compute host is doing to a container right now (`task_state`, docs/zun-compatibility.md, "Statuses").
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

