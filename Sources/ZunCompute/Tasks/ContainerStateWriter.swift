import DockerEngine
import Foundation
import Logging
import NIOConcurrencyHelpers
import ZunCore

/// Writes what this host learns about a container into its record: the engine's view (status, addresses,
/// ports), a task state, a failure with a reason a human can act on. Shared by the task handlers, the
/// state sync and start-up recovery.
struct ContainerStateWriter: Sendable {
    let controlPlane: any ControlPlane
    let engine: any ContainerEngine
    let clock: any WallClock
    let redaction: NIOLockedValueBox<HostPathRedaction>
    let logger: Logger
    /// A task's outbox: reports go through it, in order with the task's other reports (nil: each is sent at once).
    let outbox: ReportOutbox?

    init(agent: ComputeAgent, outbox: ReportOutbox? = nil) {
        self.outbox = outbox
        controlPlane = agent.controlPlane
        engine = agent.engine
        clock = agent.clock
        redaction = agent.redaction
        logger = agent.logger
    }

    /// Sends one report about a container of this host (docs/node-protocol.md), with the actions and tasks it
    /// starts: the record after it, or nil when the record is gone or the report was stale.
    @discardableResult
    func report(
        _ report: ContainerReport, on uuid: String, actions: [ContainerAction] = [], tasks: [ComputeTask] = []
    ) async throws -> Container? {
        let report = NodeReport.container(uuid: uuid, report: report, actions: actions, tasks: tasks)
        if let outbox { return try await outbox.send(report) }
        return try await controlPlane.submit(report)
    }

    /// Posts a report whose resulting record the caller does not need now: in a task it travels with the
    /// task's next report (nil); elsewhere it is sent at once (the record after it).
    @discardableResult
    func post(_ report: ContainerReport, on uuid: String) async throws -> Container? {
        guard let outbox else { return try await self.report(report, on: uuid) }
        outbox.post(.container(uuid: uuid, report: report, actions: [], tasks: []))
        return nil
    }

    /// Sets or clears `task_state`.
    func setTaskState(_ uuid: String, _ state: ContainerTaskState?) async throws {
        try await post(.taskState(state), on: uuid)
    }

    /// Marks the container `Error` with a reason a human can act on, and clears its task state. The tenant
    /// reads the reason without host paths; the log has it whole.
    func markError(_ uuid: String, reason: String, logger: Logger? = nil) async throws {
        (logger ?? self.logger).warning("container failed", metadata: [LogKey.containerUUID: "\(uuid)", "reason": "\(reason)"])
        try await report(.failed(reason: redaction.withLockedValue { $0 }.redact(reason)), on: uuid)
    }

    /// The engine lost the container: `Deleted` if it was auto-remove, else `Error` with the engine's words.
    func vanished(_ container: Container, _ error: DockerError) async throws {
        if container.autoRemove {
            try await report(.removed, on: container.uuid)
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
    /// - Returns: the record after it; nil when it was stale, or posted to a task's outbox.
    @discardableResult
    func refreshFromEngine(_ uuid: String, inspect: ContainerInspect, unchangedSince read: Container? = nil) async throws -> Container? {
        // The one status that depends on the record's own (a container never started) is settled where the
        // report is applied, against the record as it is then.
        let observation = observe(inspect, current: read?.status ?? .unknown)
        guard let read else { return try await post(.observed(observation), on: uuid) }
        return try await post(.observedIfUnchanged(observation, updatedAt: read.updatedAt), on: uuid)
    }

    /// The engine's view in the control plane's terms, with host paths stripped from the engine's error.
    func observe(_ inspect: ContainerInspect, current: ContainerStatus) -> EngineObservation {
        let mapped = DockerStateMapper.map(inspect.state, current: current, now: clock.now)
        return EngineObservation(
            containerID: inspect.id, status: mapped.status, detail: mapped.detail,
            reason: mapped.reason.map(redaction.withLockedValue { $0 }.redact), neverStarted: mapped.neverStarted,
            hostname: inspect.config?.hostname,
            exposedPorts: inspect.config?.exposedPorts.map { $0.keys.compactMap { Int($0.split(separator: "/").first ?? "") }.sorted() },
            networks: inspect.networkSettings?.networks?.mapValues { EngineAddresses(ipv4: $0.ipAddress, ipv6: $0.globalIPv6Address) }
        )
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
