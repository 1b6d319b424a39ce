import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport
@testable import ZunCompute

/// A task's outbox (docs/node-protocol.md, "Reports"): what a step posts travels with the next report that
/// needs an answer, in order and as one write; what waits goes anyway after the linger; a refusal of a posted
/// report reaches the handler at its next report.
struct ReportOutboxTests {
    static func seeded(_ store: SQLStore) async throws -> (Container, Int64) {
        let container = TestSupport.container("outbox")
        let action = ContainerAction(action: "create", containerUUID: container.uuid, requestID: "req", userID: "u", projectID: "p1", startTime: Date())
        let task = ComputeTask(host: "h1", containerUUID: container.uuid, kind: .create, payload: .init(requestID: "req"), createdAt: Date())
        try await store.createContainer(container, action: action, task: task)
        let claimed = try #require(try await store.claimTask(host: "h1", owner: "h1/test", leaseUntil: Date().addingTimeInterval(60), now: Date()))
        return (container, try #require(claimed.id))
    }

    @Test func postedReportsTravelWithTheNextSentOneAsOneWrite() async throws {
        try await TestSupport.withStore(.sqlite) { store in
            let (container, taskID) = try await Self.seeded(store)
            let plane = StoreControlPlane(host: "h1", store: store, logger: TestSupport.logger)
            let outbox = ReportOutbox(controlPlane: plane, linger: .seconds(600))
            let before = store.counters.snapshot
            outbox.post(.eventStarted(containerUUID: container.uuid, requestID: "req", event: "compute__do_container_create", at: Date()))
            outbox.post(.container(uuid: container.uuid, report: .taskState(.containerCreating), actions: [], tasks: []))
            // Posted, not sent: nothing written yet.
            #expect(try await store.container(uuid: container.uuid)?.taskState == nil)
            #expect((store.counters.snapshot - before).transactions == 0)

            try await outbox.send(.taskFinished(id: taskID, error: nil))
            #expect((store.counters.snapshot - before).transactions == 1)
            #expect(try await store.container(uuid: container.uuid)?.taskState == .containerCreating)
            #expect(try await store.task(id: taskID)?.state == .done)
            let action = try #require(try await store.action(containerUUID: container.uuid, requestID: "req"))
            let actionID = try #require(action.id)
            #expect(try await store.events(actionID: actionID).map(\.event) == ["compute__do_container_create"])
        }
    }

    @Test func whatWaitsIsSentAfterTheLinger() async throws {
        try await TestSupport.withStore(.sqlite) { store in
            let (container, _) = try await Self.seeded(store)
            let plane = StoreControlPlane(host: "h1", store: store, logger: TestSupport.logger)
            let outbox = ReportOutbox(controlPlane: plane, linger: .milliseconds(50))
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await outbox.lingerLoop() }
                outbox.post(.container(uuid: container.uuid, report: .taskState(.imagePulling), actions: [], tasks: []))
                // No further report comes (a long pull): the task state shows anyway.
                _ = try await TestSupport.eventually(timeout: .seconds(10), interval: .milliseconds(20)) {
                    try await store.container(uuid: container.uuid)?.taskState == .imagePulling ? true : nil
                }
                group.cancelAll()
            }
        }
    }

    @Test func aRefusalOfAPostedReportIsThrownByTheNextSend() async throws {
        try await TestSupport.withStore(.sqlite) { store in
            let (container, taskID) = try await Self.seeded(store)
            let elsewhere = TestSupport.container("elsewhere", host: "h2")
            try await store.createContainer(elsewhere, action: nil, task: nil)
            let plane = StoreControlPlane(host: "h1", store: store, logger: TestSupport.logger)
            let outbox = ReportOutbox(controlPlane: plane, linger: .seconds(600))
            outbox.post(.container(uuid: elsewhere.uuid, report: .failed(reason: "not mine"), actions: [], tasks: []))
            outbox.post(.container(uuid: container.uuid, report: .taskState(.containerCreating), actions: [], tasks: []))
            await #expect(throws: ZunError.self) { try await outbox.send(.taskFinished(id: taskID, error: nil)) }
            // The refused report changed nothing; the others were written.
            #expect(try await store.container(uuid: elsewhere.uuid)?.status == elsewhere.status)
            #expect(try await store.container(uuid: container.uuid)?.taskState == .containerCreating)
            #expect(try await store.task(id: taskID)?.state == .done)
            // Seen once: the next send is clean.
            try await outbox.flush()
        }
    }
}
