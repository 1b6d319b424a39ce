import DockerEngine
import Foundation
import Logging
import NIOConcurrencyHelpers
import ZunCore
import ZunStore

/// Writes what this host learns about a container into its record: the engine's view (status, addresses,
/// ports), a task state, a failure with a reason a human can act on. Shared by the task handlers, the
/// state sync and start-up recovery.
struct ContainerStateWriter: Sendable {
    let store: any ContainerRecords
    let engine: any ContainerEngine
    let clock: any WallClock
    let redaction: NIOLockedValueBox<HostPathRedaction>
    let logger: Logger

    init(agent: ComputeAgent) {
        store = agent.store
        engine = agent.engine
        clock = agent.clock
        redaction = agent.redaction
        logger = agent.logger
    }

    /// Sets or clears `task_state`.
    @discardableResult
    func setTaskState(_ uuid: String, _ state: ContainerTaskState?) async throws -> Container? {
        try await store.updateContainer(uuid: uuid) { $0.taskState = state }
    }

    /// Marks the container `Error` with a reason a human can act on, and clears its task state. The tenant
    /// reads the reason without host paths; the log has it whole.
    func markError(_ uuid: String, reason: String, logger: Logger? = nil) async throws {
        (logger ?? self.logger).warning("container failed", metadata: [LogKey.containerUUID: "\(uuid)", "reason": "\(reason)"])
        let shown = redaction.withLockedValue { $0 }.redact(reason)
        try await store.updateContainer(uuid: uuid) {
            $0.status = .error
            $0.statusReason = shown
            $0.taskState = nil
        }
    }

    /// The engine lost the container: `Deleted` if it was auto-remove, else `Error` with the engine's words.
    func vanished(_ container: Container, _ error: DockerError) async throws {
        if container.autoRemove {
            try await store.updateContainer(uuid: container.uuid) {
                $0.status = .deleted
                $0.taskState = nil
            }
        } else {
            try await markError(container.uuid, reason: error.message)
        }
    }

    /// The engine container of a record: by id if known, else by its `zun-<uuid>` name.
    func inspect(_ container: Container, logger: Logger) async throws -> ContainerInspect? {
        try await engine.inspectContainer(container.containerID ?? container.dockerName, logger: logger)
    }

    /// Reads the engine's view of the container into the record (status, detail, hostname, ports, addresses).
    /// - Parameter unchangedSince: the record as the caller read it before inspecting (the periodic sync). The
    ///   write is then dropped if the record changed meanwhile or a task holds it, and the task state is kept: an
    ///   inspect that raced an action (the engine pauses a container while it commits it, say) must not record
    ///   that passing state after the action finished.
    @discardableResult
    func refreshFromEngine(_ uuid: String, inspect: ContainerInspect, unchangedSince read: Container? = nil) async throws -> Container? {
        let now = clock.now
        do {
            let redaction = redaction.withLockedValue { $0 }
            return try await store.updateContainer(uuid: uuid) { container in
                if let read, container.updatedAt != read.updatedAt || container.taskState != nil { throw RecordChanged() }
                Self.copy(inspect, into: &container, now: now, clearTaskState: read == nil)
                container.statusReason = container.statusReason.map(redaction.redact)
            }
        } catch is RecordChanged {
            return nil
        }
    }

    /// Thrown inside a store update to roll it back when the record moved on since it was read.
    private struct RecordChanged: Error {}

    private static func copy(_ inspect: ContainerInspect, into container: inout Container, now: Date, clearTaskState: Bool) {
        let mapped = DockerStateMapper.map(inspect.state, current: container.status, now: now)
        // A pending delete owns the status until the record goes away.
        if container.status != .deleting { container.status = mapped.status }
        container.statusDetail = mapped.detail
        container.statusReason = mapped.reason
        container.containerID = inspect.id
        if container.hostname == nil { container.hostname = inspect.config?.hostname }
        if let exposed = inspect.config?.exposedPorts {
            container.ports = exposed.keys.compactMap { Int($0.split(separator: "/").first ?? "") }.sorted()
        }
        if let networks = inspect.networkSettings?.networks {
            container.addresses = Self.addresses(networks, container.networks ?? [])
        }
        if mapped.status == .running, container.startedAt == nil { container.startedAt = now }
        if clearTaskState { container.taskState = nil }
    }

    /// Zun's `addresses`, read back from the engine: keyed by network uuid for our networks (with the port
    /// and its preserve flag), by the engine's network name for any other.
    static func addresses(
        _ networks: [String: ContainerInspect.NetworkSettings.Network], _ attachments: [NetworkAttachment]
    ) -> [String: [ContainerAddress]] {
        let byDockerName = Dictionary(attachments.map { (Network.dockerName($0.networkUUID), $0) }, uniquingKeysWith: { a, _ in a })
        var addresses: [String: [ContainerAddress]] = [:]
        for (name, network) in networks {
            let attachment = byDockerName[name]
            var list: [ContainerAddress] = []
            for (ip, version) in [(network.ipAddress, 4), (network.globalIPv6Address, 6)] {
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

/// How a failure is shown and whether it is the operation's own.
enum TaskFailure {
    /// Whether an error is the operation's own failure (shown on the container), not the infrastructure's.
    static func isOperationFailure(_ error: any Error) -> Bool {
        error is DockerError || error is ImageError || error is ZunError || error is InjectionError
    }

    /// The text to show as `status_reason`.
    static func reason(_ error: any Error) -> String {
        if let error = error as? ImageError { return error.message }
        if let error = error as? DockerError { return error.message }
        if let error = error as? ZunError { return error.message }
        return "\(error)"
    }
}

/// An image could not be pulled or found; the message names the image.
struct ImageError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
