import Foundation
import NIOConcurrencyHelpers
import ZunCore

/// Group commit for reports: while one batch is on its way, the reports submitted meanwhile wait and go
/// together in the next. Every caller still waits for its own reports' outcomes, so nothing is acknowledged
/// before the control plane applied it.
final class ReportBatcher: Sendable {
    private struct Entry {
        var reports: [NodeReport]
        var continuation: CheckedContinuation<[NodeReportOutcome], any Error>
    }

    private struct State {
        var queue: [Entry] = []
        var sending = false
    }

    private let state = NIOLockedValueBox(State())

    func submit(
        _ reports: [NodeReport], send: @escaping @Sendable ([NodeReport]) async throws -> [NodeReportOutcome]
    ) async throws -> [NodeReportOutcome] {
        try await withCheckedThrowingContinuation { continuation in
            let start = state.withLockedValue { state -> Bool in
                state.queue.append(Entry(reports: reports, continuation: continuation))
                if state.sending { return false }
                state.sending = true
                return true
            }
            if start { Task { await self.drain(send) } }
        }
    }

    /// Sends batches until the queue is empty.
    private func drain(_ send: @Sendable ([NodeReport]) async throws -> [NodeReportOutcome]) async {
        while true {
            let batch = state.withLockedValue { state -> [Entry] in
                var taken: [Entry] = []
                var count = 0
                while let next = state.queue.first, taken.isEmpty || count + next.reports.count <= ReportBatch.maximumReports {
                    taken.append(state.queue.removeFirst())
                    count += next.reports.count
                }
                if taken.isEmpty { state.sending = false }
                return taken
            }
            if batch.isEmpty { return }
            do {
                let outcomes = try await send(batch.flatMap(\.reports))
                var offset = 0
                for entry in batch {
                    entry.continuation.resume(returning: Array(outcomes[offset..<offset + entry.reports.count]))
                    offset += entry.reports.count
                }
            } catch {
                for entry in batch { entry.continuation.resume(throwing: error) }
            }
        }
    }
}
