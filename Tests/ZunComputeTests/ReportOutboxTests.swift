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

    /// A host's first container on a network without an overlay: the realization travels with the task's reports
    /// and is written in their transaction (a host's first container costs no extra write); the poster learns
    /// when it was delivered, so it stops posting it. Reported twice, the record is written again, not doubled.
    @Test(arguments: TestSupport.Backend.allCases)
    func aRealizationPostedIsWrittenWithTheTasksReports(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let (container, taskID) = try await Self.seeded(store)
            let network = try await store.projectDefaultNetwork(projectID: "p1", userID: "u", pool: TestSupport.nextSubnetPool())
            let plane = StoreControlPlane(host: "h1", store: store, logger: TestSupport.logger)
            let outbox = ReportOutbox(controlPlane: plane, linger: .seconds(600))
            let delivered = Tally()
            let before = store.counters.snapshot
            outbox.post(.networkRealized(uuid: network.uuid, dockerID: "d1", overlay: false)) { await delivered.add() }
            outbox.post(.container(uuid: container.uuid, report: .taskState(.containerCreating), actions: [], tasks: []))
            #expect(await delivered.count == 0)
            #expect(try await store.networkHosts(uuid: network.uuid).isEmpty)

            try await outbox.send(.taskFinished(id: taskID, error: nil))
            #expect((store.counters.snapshot - before).transactions == 1)
            #expect(await delivered.count == 1)
            #expect(try await store.networkHosts(uuid: network.uuid) == ["h1"])
            #expect(try await store.task(id: taskID)?.state == .done)

            // A second report of the same network (another task posted it before the first was delivered).
            _ = try await plane.submit([.networkRealized(uuid: network.uuid, dockerID: "d1", overlay: false)]).map { try $0.get() }
            #expect(try await store.networkHosts(uuid: network.uuid) == ["h1"])
        }
    }

    /// A realization of a network that is gone is refused, changing nothing, and the reports beside it still
    /// apply; a refusal is a delivery too (posting it again would not help).
    @Test(arguments: TestSupport.Backend.allCases)
    func aRealizationOfAMissingNetworkIsRefusedAlone(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let (container, taskID) = try await Self.seeded(store)
            let plane = StoreControlPlane(host: "h1", store: store, logger: TestSupport.logger)
            let outbox = ReportOutbox(controlPlane: plane, linger: .seconds(600))
            let missing = RandomUUID.make()
            let delivered = Tally()
            outbox.post(.networkRealized(uuid: missing, dockerID: "d1", overlay: false)) { await delivered.add() }
            outbox.post(.container(uuid: container.uuid, report: .taskState(.containerCreating), actions: [], tasks: []))
            await #expect(throws: ZunError.self) { try await outbox.send(.taskFinished(id: taskID, error: nil)) }
            #expect(await delivered.count == 1)
            #expect(try await store.networkHosts(uuid: missing).isEmpty)
            #expect(try await store.container(uuid: container.uuid)?.taskState == .containerCreating)
            #expect(try await store.task(id: taskID)?.state == .done)
        }
    }
}

/// Counts the calls of a closure.
private actor Tally {
    private(set) var count = 0
    func add() { count += 1 }
}
