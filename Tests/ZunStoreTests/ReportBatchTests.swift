import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// A host's reports sent together are written together (docs/node-protocol.md, "Reports"): one transaction
/// for a task's whole create and start, a refused report in it changing nothing while the rest apply.
struct ReportBatchTests {
    static let create = "compute__do_container_create"
    static let start = "compute__do_container_start"

    /// A container on `host` with its create action and task, the task claimed by the host.
    static func claimed(_ store: SQLStore, host: String = "h1") async throws -> (Container, Int64) {
        let container = TestSupport.container("batched-\(host)", host: host)
        let action = ContainerAction(action: "create", containerUUID: container.uuid, requestID: "req-\(host)", userID: "u", projectID: "p1", startTime: Date())
        let task = ComputeTask(host: host, containerUUID: container.uuid, kind: .create, payload: .init(requestID: "req-\(host)", run: true), createdAt: Date())
        try await store.createContainer(container, action: action, task: task)
        let claimed = try #require(try await store.claimTask(host: host, owner: "\(host)/test", leaseUntil: Date().addingTimeInterval(60), now: Date()))
        return (container, try #require(claimed.id))
    }

    /// What a quick create and start reports, in the order the agent makes it.
    static func createAndStart(_ uuid: String, requestID: String, task: Int64, times: [Date]) -> [NodeReport] {
        [
            .eventStarted(containerUUID: uuid, requestID: requestID, event: create, at: times[0]),
            .container(uuid: uuid, report: .taskState(.containerCreating), actions: [], tasks: []),
            .eventFinished(containerUUID: uuid, requestID: requestID, event: create, result: "Success", traceback: nil, at: times[1]),
            .eventStarted(containerUUID: uuid, requestID: requestID, event: start, at: times[2]),
            .container(uuid: uuid, report: .taskState(.containerStarting), actions: [], tasks: []),
            .container(uuid: uuid, report: .taskState(nil), actions: [], tasks: []),
            .eventFinished(containerUUID: uuid, requestID: requestID, event: start, result: "Success", traceback: nil, at: times[3]),
            .actionFinished(containerUUID: uuid, requestID: requestID, failed: false, at: times[3]),
            .taskFinished(id: task, error: nil),
        ]
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func aTasksReportsSentTogetherAreOneTransactionWithTheHostsTimes(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let (container, taskID) = try await Self.claimed(store)
            let plane = StoreControlPlane(host: "h1", store: store, logger: TestSupport.logger)
            let base = Date().addingTimeInterval(-10)
            let times = (0..<4).map { base.addingTimeInterval(Double($0)) }
            let before = store.counters.snapshot
            let outcomes = try await plane.submit(Self.createAndStart(container.uuid, requestID: "req-h1", task: taskID, times: times))
            let written = store.counters.snapshot - before

            #expect(written.transactions == 1, "\(written.transactions) write transactions for one task's reports")
            #expect(outcomes.count == 9)
            #expect(outcomes.allSatisfy { if case .applied = $0 { true } else { false } })
            #expect(try await store.task(id: taskID)?.state == .done)
            let action = try #require(try await store.action(containerUUID: container.uuid, requestID: "req-h1"))
            #expect(action.finishTime?.timeIntervalSince1970 == times[3].timeIntervalSince1970)
            let actionID = try #require(action.id)
            let events = try await store.events(actionID: actionID).sorted { $0.startTime < $1.startTime }
            #expect(events.map(\.event) == [Self.create, Self.start])
            #expect(events.map { $0.startTime.timeIntervalSince1970 } == [times[0], times[2]].map(\.timeIntervalSince1970))
            #expect(events.map { $0.finishTime?.timeIntervalSince1970 } == [times[1], times[3]].map(\.timeIntervalSince1970))
            #expect(try await store.container(uuid: container.uuid)?.taskState == nil)
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func aRefusedReportInABatchChangesNothingAndTheRestApply(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let (mine, taskID) = try await Self.claimed(store, host: "h1")
            let (theirs, _) = try await Self.claimed(store, host: "h2")
            let plane = StoreControlPlane(host: "h1", store: store, logger: TestSupport.logger)
            let outcomes = try await plane.submit([
                .container(uuid: mine.uuid, report: .taskState(.containerCreating), actions: [], tasks: []),
                .container(uuid: theirs.uuid, report: .failed(reason: "not yours"), actions: [], tasks: []),
                .eventStarted(containerUUID: theirs.uuid, requestID: "req-h2", event: Self.create),
                .taskFinished(id: taskID, error: nil),
            ])
            let refused = outcomes.compactMap { if case .refused(let error) = $0 { error.code } else { nil } }
            #expect(refused == ["node-restriction", "node-restriction"])
            #expect(try await store.container(uuid: mine.uuid)?.taskState == .containerCreating)
            #expect(try await store.task(id: taskID)?.state == .done)
            let other = try #require(try await store.container(uuid: theirs.uuid))
            #expect(other.status == theirs.status)
            let action = try #require(try await store.action(containerUUID: theirs.uuid, requestID: "req-h2"))
            let actionID = try #require(action.id)
            #expect(try await store.events(actionID: actionID).isEmpty)
        }
    }

    /// A time from the host's future is taken as the time the report arrived.
    @Test func anEventTimeLaterThanItsArrivalIsTheArrival() async throws {
        try await TestSupport.withStore(.sqlite) { store in
            let (container, _) = try await Self.claimed(store)
            let plane = StoreControlPlane(host: "h1", store: store, logger: TestSupport.logger)
            let arrival = Date()
            _ = try await plane.submit([
                .eventStarted(containerUUID: container.uuid, requestID: "req-h1", event: Self.create, at: arrival.addingTimeInterval(3600))
            ])
            let action = try #require(try await store.action(containerUUID: container.uuid, requestID: "req-h1"))
            let actionID = try #require(action.id)
            let started = try #require(try await store.events(actionID: actionID).first?.startTime)
            #expect(started.timeIntervalSince(arrival) < 60)
        }
    }

    /// An event started and finished in one batch is one row written finished; events keep the order they
    /// started in (ids), one left open is written open, and one an earlier attempt left open is finished rather
    /// than opened a second time.
    @Test(arguments: TestSupport.Backend.allCases)
    func eventsOfABatchKeepTheirOrderAndAnOpenOneIsResumed(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let (container, _) = try await Self.claimed(store)
            let plane = StoreControlPlane(host: "h1", store: store, logger: TestSupport.logger)
            let uuid = container.uuid
            let base = Date().addingTimeInterval(-10)
            let at = (0..<6).map { base.addingTimeInterval(Double($0)) }
            // An earlier attempt opened "pull" and died.
            _ = try await plane.submit([.eventStarted(containerUUID: uuid, requestID: "req-h1", event: "pull", at: at[0])])
            let outcomes = try await plane.submit([
                .eventStarted(containerUUID: uuid, requestID: "req-h1", event: "outer", at: at[1]),
                .eventStarted(containerUUID: uuid, requestID: "req-h1", event: "pull", at: at[2]),
                .eventStarted(containerUUID: uuid, requestID: "req-h1", event: "inner", at: at[3]),
                .eventFinished(containerUUID: uuid, requestID: "req-h1", event: "inner", result: "Success", traceback: nil, at: at[4]),
                .eventFinished(containerUUID: uuid, requestID: "req-h1", event: "pull", result: "Error", traceback: "boom", at: at[5]),
            ])
            #expect(outcomes.allSatisfy { if case .applied = $0 { true } else { false } })
            let actionID = try #require(try await store.action(containerUUID: uuid, requestID: "req-h1")?.id)
            let events = try await store.events(actionID: actionID).sorted { ($0.id ?? 0) < ($1.id ?? 0) }
            #expect(events.map(\.event) == ["pull", "outer", "inner"])
            #expect(events.map { $0.startTime.timeIntervalSince1970 } == [at[0], at[1], at[3]].map(\.timeIntervalSince1970))
            #expect(events.map { $0.finishTime?.timeIntervalSince1970 } == [at[5].timeIntervalSince1970, nil, at[4].timeIntervalSince1970])
            #expect(events.map(\.result) == ["Error", nil, "Success"])
            #expect(events.first?.traceback == "boom")
        }
    }
}
