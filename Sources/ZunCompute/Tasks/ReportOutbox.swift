import Foundation
import NIOConcurrencyHelpers
import ZunCore

/// The reports of one running task on their way to the control plane (docs/node-protocol.md, "Reports").
///
/// A step's progress (its task state, the start and end of its event, what the engine says after it) needs
/// no answer, so it is *posted*: queued, and sent with the next report that does need one, at the latest
/// with the task's end. A create and start on a quick engine thus reaches the control plane as one request,
/// written in one transaction. A step known to be long (an image pull) sends what is posted when it starts
/// (`sendPosted`); anything else waiting is sent once it has waited `linger`, so that a step slow for another
/// reason shows its task state while it runs.
///
/// Order is kept: a report is applied after every report posted before it. Reads of the container (through
/// the control plane) see only what was sent, which handlers allow for. A posted report the control plane
/// refused surfaces as the error of the next `send` or `flush`, as it would have had it been sent at once;
/// posted reports that could not be delivered stay queued and go with the next attempt.
final class ReportOutbox: Sendable {
    let controlPlane: any ControlPlane
    let linger: Duration

    /// A posted report, and who is told once the control plane answered for it (applied or refused).
    private struct Posted {
        var report: NodeReport
        var whenDelivered: (@Sendable () async -> Void)?
    }

    private struct State {
        var queued: [Posted] = []
        /// A refusal of a posted report, sent by the linger, for the next caller to see.
        var refusal: ZunError?
        /// Whether the linger is counting for what is queued.
        var lingering = false
    }

    private let state = NIOLockedValueBox(State())
    /// One delivery at a time, so that reports arrive in the order they were made.
    private let delivering = AsyncMutex()
    /// Holds at most one "something was queued" signal for the linger.
    private let queuedSignal = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))

    init(controlPlane: any ControlPlane, linger: Duration) {
        self.controlPlane = controlPlane
        self.linger = linger
    }

    /// Queues a report whose outcome the caller does not need now; `whenDelivered` runs once the control
    /// plane has answered for it (whether it applied or refused it), not when it could not be delivered.
    func post(_ report: NodeReport, whenDelivered: (@Sendable () async -> Void)? = nil) {
        let arm = state.withLockedValue { state in
            state.queued.append(Posted(report: report, whenDelivered: whenDelivered))
            defer { state.lingering = true }
            return !state.lingering
        }
        if arm { queuedSignal.continuation.yield() }
    }

    /// Sends `report` after everything posted before it, and returns the record it left (nil when it changed
    /// no container, or the container is gone).
    @discardableResult
    func send(_ report: NodeReport) async throws -> Container? {
        try await deliver(including: report)
    }

    /// Sends everything posted.
    func flush() async throws {
        try await deliver(including: nil)
    }

    /// Sends what is posted now, as the linger would: for a step the handler knows is long (an image pull),
    /// whose progress should show from its start. A refusal is kept for the handler's next report; reports
    /// that could not be delivered stay queued.
    func sendPosted() async {
        _ = try? await deliver(including: nil, keepingRefusal: true)
    }

    /// Sends what was posted once it has waited `linger`, until cancelled (the task ended). Runs beside the
    /// task's handler.
    func lingerLoop() async {
        for await _ in queuedSignal.stream {
            try? await Task.sleep(for: linger)
            if Task.isCancelled { return }
            do {
                try await deliver(including: nil, keepingRefusal: true)
            } catch {
                // Still queued: the handler's next report takes it along, or fails the task.
            }
        }
    }

    @discardableResult
    private func deliver(including report: NodeReport?, keepingRefusal: Bool = false) async throws -> Container? {
        try await delivering.withLock {
            let (posted, earlier) = state.withLockedValue { state in
                defer {
                    state.queued = []
                    state.lingering = false
                    if !keepingRefusal { state.refusal = nil }
                }
                return (state.queued, keepingRefusal ? nil : state.refusal)
            }
            let batch = posted.map(\.report) + (report.map { [$0] } ?? [])
            guard !batch.isEmpty else {
                if let earlier { throw earlier }
                return nil
            }
            let outcomes: [NodeReportOutcome]
            do {
                outcomes = try await controlPlane.submit(batch)
            } catch {
                // Not delivered: the posted reports go again with the next attempt, ahead of anything newer.
                state.withLockedValue { $0.queued = posted + $0.queued }
                throw error
            }
            for delivered in posted { await delivered.whenDelivered?() }
            var refusal = earlier
            for outcome in outcomes.prefix(posted.count) {
                if case .refused(let error) = outcome, refusal == nil { refusal = error.zunError }
            }
            if keepingRefusal {
                if let refusal { state.withLockedValue { $0.refusal = $0.refusal ?? refusal } }
                return nil
            }
            // The caller's own outcome first: a refusal of it is its own error.
            let own = try report.map { _ in try outcomes[posted.count].get() } ?? nil
            if let refusal { throw refusal }
            return own
        }
    }
}
