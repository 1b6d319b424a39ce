import DockerEngine
import Foundation
import Logging
import NIOConcurrencyHelpers
import ZunCore

/// Runs one container operation's task on this host (docs/architecture.md, "Adding an operation").
///
/// A handler is idempotent: it finds what an earlier try made (the engine container is named
/// `zun-<uuid>`) before it makes anything, so a retried task is harmless. It records the operation's
/// failure on the container and its action; any other error (the store unreachable, say) propagates, and
/// the task is retried.
protocol TaskHandler: Sendable {
    var operation: ContainerOperation { get }
    func run(_ task: ComputeTask, in context: TaskContext) async throws
}

/// What a handler works with: the agent's engine and control plane, the task's outbox of reports, the
/// writer of container records and the recorder of the task's action (both posting to that outbox), and a
/// logger carrying the task's metadata. Every report a handler makes goes through `reports`, so that they
/// arrive in order.
struct TaskContext: Sendable {
    let agent: ComputeAgent
    let reports: ReportOutbox
    let records: ContainerStateWriter
    let recorder: ActionRecorder
    let logger: Logger
    /// The container's record as the claim read it, for the task's first read; taken once, so that a later
    /// read asks the control plane again.
    private let claimedRecord: NIOLockedValueBox<Container?>
    /// Networks of the container's ports the claim carried (those the host had not realized), by uuid.
    let claimedNetworks: [String: Network]

    init(
        agent: ComputeAgent, reports: ReportOutbox, containerUUID: String, requestID: String, logger: Logger,
        claimedRecord: Container? = nil, claimedNetworks: [String: Network] = [:]
    ) {
        self.agent = agent
        self.claimedNetworks = claimedNetworks
        self.claimedRecord = NIOLockedValueBox(claimedRecord)
        self.reports = reports
        self.records = ContainerStateWriter(agent: agent, outbox: reports)
        self.recorder = ActionRecorder(reports: reports, clock: agent.clock, containerUUID: containerUUID, requestID: requestID)
        self.logger = logger
    }

    var controlPlane: any ControlPlane { agent.controlPlane }
    var engine: any ContainerEngine { agent.engine }
    var clock: any WallClock { agent.clock }

    /// The task's container, or nil when it is gone (a retried task whose work finished).
    func container(_ task: ComputeTask) async throws -> Container? {
        if let claimed = claimedRecord.withLockedValue({ record in defer { record = nil }; return record }) { return claimed }
        return try await controlPlane.container(uuid: task.containerUUID)
    }

    /// Records an operation failure: the container goes to `Error` with the failure's reason, the action fails.
    func fail(_ uuid: String, _ error: any Error) async throws {
        // The task's logger carries its id, kind, container and request.
        try await records.markError(uuid, reason: TaskFailure.reason(error), logger: logger)
        recorder.finish(failed: true)
    }
}
