import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// No lost wake-ups: a task committed at any moment of a node's claim loop reaches it at once, never after a
/// poll interval (the idle poll is only a safety net).
struct TaskWakeupTests {
    static let long: Duration = .seconds(20)
    static let bound: Duration = .milliseconds(100)

    /// The window between a claim that found nothing and its wait being armed: a task committed there ends the
    /// wait at once, and the next claim takes it.
    @Test(arguments: TestSupport.Backend.allCases)
    func aTaskCommittedWhileTheLongPollIsReArmedIsDeliveredAtOnce(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let plane = StoreControlPlane(host: "h1", store: store, logger: TestSupport.logger)
            let request = TaskClaimRequest(slots: [.graceful: 4, .operations: 4], owner: "h1/test", leaseSeconds: 60, waitSeconds: 0)
            #expect(try await plane.claimTasks(request).tasks.isEmpty)
            // The claim found nothing; before its wait is armed, a task is committed.
            let container = TestSupport.container("late")
            try await store.createContainer(container, action: nil, task: TestSupport.createTask(for: container))
            let start = ContinuousClock.now
            await store.waitForTasks(host: "h1", timeout: Self.long)
            let waited = ContinuousClock.now - start
            #expect(waited < Self.bound, "the wake-up was kept for the wait armed after it: \(waited)")
            #expect(try await plane.claimTasks(request).tasks.map(\.containerUUID) == [container.uuid])
        }
    }

    /// A long-poll woken by a task answers with that task, claimed, in the same answer (not an empty answer
    /// that makes the node ask again); one whose wait runs out answers empty, and the store says it ran out.
    @Test(arguments: TestSupport.Backend.allCases)
    func aLongPollWokenByATaskAnswersWithIt(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let plane = StoreControlPlane(host: "h1", store: store, logger: TestSupport.logger)
            let request = TaskClaimRequest(slots: [.graceful: 4, .operations: 4], owner: "h1/test", leaseSeconds: 60, waitSeconds: 20)
            let container = TestSupport.container("answered")
            let poll = Task { try await plane.claimTasks(request) }
            try await Task.sleep(for: .milliseconds(200))
            try await store.createContainer(container, action: nil, task: TestSupport.createTask(for: container))
            let claimed = try await poll.value.tasks
            #expect(claimed.map(\.containerUUID) == [container.uuid])
            #expect(claimed.first?.state == .running && claimed.first?.leaseOwner == "h1/test")

            let short = TaskClaimRequest(slots: [.graceful: 4, .operations: 4], owner: "h1/test", leaseSeconds: 60, waitSeconds: 0.2)
            #expect(try await plane.claimTasks(short).tasks.isEmpty)
            #expect(await store.waitForTasks(host: "h1", timeout: .milliseconds(50)) == false)

            // Across HTTP (an API replica) the woken poll answers empty and leaves the task pending: its host may
            // have died while the poll waited, and a pending task is one the dead-host reaper can move.
            let remote = StoreControlPlane(host: "h1", store: store, logger: TestSupport.logger, claimsWhenWoken: false)
            let other = TestSupport.container("unanswered")
            let remotePoll = Task { try await remote.claimTasks(request) }
            try await Task.sleep(for: .milliseconds(200))
            try await store.createContainer(other, action: nil, task: TestSupport.createTask(for: other))
            #expect(try await remotePoll.value.tasks.isEmpty)
            #expect(try await store.tasks(containerUUID: other.uuid).map(\.state) == [.pending])
        }
    }

    /// A wait armed on one API process ends when another process commits a task (PostgreSQL's NOTIFY), at once
    /// rather than at the wait's 20 s end. The bound is wider than above: the notification crosses the database
    /// and a second connection, with every other suite running beside this one on two cores (it measures a few
    /// milliseconds alone, printed).
    @Test func aTaskCommittedByAnotherReplicaWakesTheWaitAtOnce() async throws {
        let location = try await TestSupport.freshPostgresDatabase()
        try await SQLStore.withStore(at: location, logger: TestSupport.logger) { waiting in
            try await SQLStore.withStore(at: location, logger: TestSupport.logger) { writing in
                let container = TestSupport.container("elsewhere")
                let waiter = Task {
                    await waiting.waitForTasks(host: "h1", timeout: Self.long)
                    return ContinuousClock.now
                }
                // Let the wait be armed first (a commit before it would be kept for it anyway).
                try await Task.sleep(for: .milliseconds(200))
                try await writing.createContainer(container, action: nil, task: TestSupport.createTask(for: container))
                let committed = ContinuousClock.now
                let waited = await waiter.value - committed
                print("task wake-up across API processes: woken \(waited) after the commit returned")
                #expect(waited < .seconds(1), "woken \(waited) after the other replica's commit")
            }
        }
    }
}
