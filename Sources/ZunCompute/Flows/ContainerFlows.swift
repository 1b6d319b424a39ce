import DockerEngine
import Foundation
import Logging
import ZunCore
import ZunStore

/// The operations a compute host runs for its tasks. Each is idempotent: it finds what an earlier try made
/// (the engine container is named `zun-<uuid>`) before it makes anything, so a retried task is harmless.
struct ContainerFlows: Sendable {
    let agent: ComputeAgent
    var store: any ZunStore { agent.store }
    var engine: any ContainerEngine { agent.engine }

    /// Runs one task and marks it finished. Failures of the operation (engine, image) are recorded on the
    /// container and finish the task. Anything else — the store unreachable, say — leaves the task claimed
    /// and retried shortly: every flow is idempotent, so running it again is safe.
    func run(_ task: ComputeTask) async {
        var logger = agent.logger
        logger[metadataKey: LogKey.taskID] = "\(task.id ?? 0)"
        logger[metadataKey: LogKey.taskKind] = "\(task.kind.rawValue)"
        logger[metadataKey: LogKey.containerUUID] = "\(task.containerUUID)"
        logger[metadataKey: LogKey.requestID] = "\(task.payload.requestID)"
        logger.debug("running task")
        guard let id = task.id else { return }
        do {
            let recorder = ActionRecorder(store: store, containerUUID: task.containerUUID, requestID: task.payload.requestID)
            if task.interruptions >= ComputeTask.maximumInterruptions {
                try await giveUp(task, id: id, recorder: recorder, logger: logger)
                return
            }
            switch task.kind {
            case .create: try await CreateContainerFlow(flows: self, recorder: recorder, logger: logger).run(task)
            case .start: try await start(task, recorder, logger)
            case .delete: try await delete(task, recorder, logger)
            case .rebuild: try await CreateContainerFlow(flows: self, recorder: recorder, logger: logger).rebuild(task)
            case .stop, .pause, .unpause, .kill, .reboot: try await operate(task, recorder, logger)
            case .networkAttach: try await attachNetwork(task, recorder, logger)
            case .networkDetach: try await detachNetwork(task, recorder, logger)
            }
            try await Self.persistently(logger) { try await store.finishTask(id: id, error: nil, at: Date()) }
        } catch {
            logger.warning("task interrupted; it will be retried", metadata: [LogKey.error: "\(String(reflecting: error))"])
            try? await Self.persistently(logger) { try await store.deferTask(id: id, until: Date().addingTimeInterval(2)) }
        }
    }

    /// The crash-loop breaker: the task was running each of the last times this host's agent died, so it is
    /// not run again. Its container goes to `Error` with a reason naming the task, and the agent carries on.
    private func giveUp(_ task: ComputeTask, id: Int64, recorder: ActionRecorder, logger: Logger) async throws {
        let reason = "The \(task.kind.rawValue) task was running each of the \(task.interruptions) times the compute agent stopped unexpectedly, so it was not run again."
        logger.error("giving up a task that was interrupted by agent failures", metadata: ["interruptions": "\(task.interruptions)"])
        if try await store.container(uuid: task.containerUUID) != nil {
            try await markError(task.containerUUID, reason: reason)
            try await recorder.finish(failed: true)
        }
        try await Self.persistently(logger) { try await store.finishTask(id: id, error: reason, at: Date()) }
    }

    /// Retries a store write for up to 30 s (a database restart), then gives up and throws.
    static func persistently(_ logger: Logger, _ write: () async throws -> Void) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                return try await write()
            } catch {
                guard ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// Whether an error is the operation's own failure (shown on the container), not the infrastructure's.
    static func isOperationFailure(_ error: any Error) -> Bool {
        error is DockerError || error is ImageError || error is ZunError || error is InjectionError
    }

    // MARK: Shared steps

    /// Sets or clears `task_state`.
    @discardableResult
    func setTaskState(_ uuid: String, _ state: ContainerTaskState?) async throws -> Container? {
        try await store.updateContainer(uuid: uuid) { $0.taskState = state }
    }

    /// Marks the container `Error` with a reason a human can act on, and clears its task state. The tenant
    /// reads the reason without host paths; the log has it whole.
    func markError(_ uuid: String, reason: String) async throws {
        agent.logger.notice("container failed", metadata: [LogKey.containerUUID: "\(uuid)", "reason": "\(reason)"])
        let shown = agent.redaction.withLockedValue { $0 }.redact(reason)
        try await store.updateContainer(uuid: uuid) {
            $0.status = .error
            $0.statusReason = shown
            $0.taskState = nil
        }
    }

    /// Reads the engine's view of the container into the record (status, detail, hostname, ports, addresses).
    /// - Parameter unchangedSince: the record as the caller read it before inspecting (the periodic sync). The
    ///   write is then dropped if the record changed meanwhile or a task holds it, and the task state is kept: an
    ///   inspect that raced an action (the engine pauses a container while it commits it, say) must not record
    ///   that passing state after the action finished.
    @discardableResult
    func refreshFromEngine(_ uuid: String, inspect: ContainerInspect, unchangedSince read: Container? = nil) async throws -> Container? {
        let now = Date()
        do {
            let redaction = agent.redaction.withLockedValue { $0 }
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

    /// The engine container of a record: by id if known, else by its `zun-<uuid>` name.
    func inspect(_ container: Container, logger: Logger) async throws -> ContainerInspect? {
        try await engine.inspectContainer(container.containerID ?? container.dockerName, logger: logger)
    }

    // MARK: start / stop / delete

    func start(_ task: ComputeTask, _ recorder: ActionRecorder, _ logger: Logger) async throws {
        guard let container = try await store.container(uuid: task.containerUUID) else { return }
        do {
            try await startContainer(container, recorder, logger)
            try await recorder.finish(failed: false)
        } catch where Self.isOperationFailure(error) {
            try await markError(container.uuid, reason: Self.reason(error))
            try await recorder.finish(failed: true)
        }
    }

    /// Starts the engine container under the `compute__do_container_start` event and saves the result.
    func startContainer(_ container: Container, _ recorder: ActionRecorder, _ logger: Logger) async throws {
        try await recorder.event("compute__do_container_start") {
            try await setTaskState(container.uuid, .containerStarting)
            let id = container.containerID ?? container.dockerName
            try await engine.startContainer(id, logger: logger)
            guard let inspect = try await engine.inspectContainer(id, logger: logger) else {
                let gone = DockerError(status: 404, message: "No such container: \(id)")
                // An auto-remove container that already ran and exited is removed by the engine: Deleted.
                guard container.autoRemove else { throw gone }
                try await vanished(container, gone)
                return
            }
            try await refreshFromEngine(container.uuid, inspect: inspect)
        }
    }

    /// One engine operation on an existing container (stop, pause, unpause, kill, reboot), under its event and
    /// task state. As in Zun, a failed operation is recorded (event and action `Error`) and leaves the status as
    /// it was; a container the engine lost becomes `Deleted` (auto-remove) or `Error`.
    func operate(_ task: ComputeTask, _ recorder: ActionRecorder, _ logger: Logger) async throws {
        guard let container = try await store.container(uuid: task.containerUUID) else { return }
        let id = container.containerID ?? container.dockerName
        let (event, state): (String, ContainerTaskState) = switch task.kind {
        case .stop: ("compute__do_container_stop", .containerStopping)
        case .pause: ("compute__do_container_pause", .containerPausing)
        case .unpause: ("compute__do_container_unpause", .containerUnpausing)
        case .kill: ("compute__do_container_kill", .containerKilling)
        case .reboot: ("compute__do_container_reboot", .containerRebooting)
        case .create, .start, .delete, .rebuild, .networkAttach, .networkDetach:
            preconditionFailure("not an engine operation: \(task.kind)")
        }
        do {
            try await recorder.event(event) {
                try await setTaskState(container.uuid, state)
                switch task.kind {
                case .stop: try await engine.stopContainer(id, timeout: task.payload.timeout, logger: logger)
                case .pause: try await engine.pauseContainer(id, logger: logger)
                case .unpause: try await engine.unpauseContainer(id, logger: logger)
                case .kill: try await engine.killContainer(id, signal: task.payload.signal, logger: logger)
                case .reboot: try await engine.restartContainer(id, timeout: task.payload.timeout, logger: logger)
                case .create, .start, .delete, .rebuild, .networkAttach, .networkDetach: break
                }
                guard let inspect = try await engine.inspectContainer(id, logger: logger) else {
                    throw DockerError(status: 404, message: "No such container: \(id)")
                }
                try await refreshFromEngine(container.uuid, inspect: inspect)
            }
            try await recorder.finish(failed: false)
        } catch let error as DockerError where error.isNotFound {
            try await vanished(container, error)
            try await recorder.finish(failed: true)
        } catch where Self.isOperationFailure(error) {
            try await store.updateContainer(uuid: container.uuid) { c in
                c.taskState = nil
                // A reboot that failed leaves `Restarting` behind; show what the engine says at the next sync.
                if c.status == .restarting { c.status = .unknown }
            }
            try await recorder.finish(failed: true)
        }
    }

    func delete(_ task: ComputeTask, _ recorder: ActionRecorder, _ logger: Logger) async throws {
        guard let container = try await store.container(uuid: task.containerUUID) else { return }
        let force = task.payload.force ?? false
        do {
            try await recorder.event("compute__do_container_delete") {
                try await setTaskState(container.uuid, .containerDeleting)
                do {
                    try await engine.removeContainer(container.containerID ?? container.dockerName, force: true, logger: logger)
                } catch where force {
                    logger.warning("force delete ignored an engine error", metadata: [LogKey.error: "\(error)"])
                }
                try await ContainerResources(flows: self, logger: logger).release(container)
            }
            try await store.destroyContainer(uuid: container.uuid)
            try await recorder.finish(failed: false)
        } catch where Self.isOperationFailure(error) {
            try await markError(container.uuid, reason: Self.reason(error))
            try await recorder.finish(failed: true)
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

    /// The text to show as `status_reason`.
    static func reason(_ error: any Error) -> String {
        if let error = error as? DockerError { return error.message }
        if let error = error as? ZunError { return error.message }
        return "\(error)"
    }
}
