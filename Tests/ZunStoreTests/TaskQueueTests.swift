import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// `TaskQueue` on both databases: per-container order, leases, release, moving work off a dead host.
struct TaskQueueTests {
    @Test(arguments: TestSupport.Backend.allCases)
    func tasksOfOneContainerRunOneAtATime(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let c = TestSupport.container("a")
            try await store.createContainer(c, action: nil, task: ComputeTask(host: "h1", containerUUID: c.uuid, kind: .create, payload: .init(requestID: "r1"), createdAt: Date()))
            try await store.updateContainer(uuid: c.uuid, actions: [], tasks: [ComputeTask(host: "h1", containerUUID: c.uuid, kind: .start, payload: .init(requestID: "r2"), createdAt: Date())]) { _ in }
            let first = try await store.claimTask(host: "h1", owner: "o", leaseUntil: Date().addingTimeInterval(60), now: Date())
            #expect(first?.kind == .create)
            #expect(try await store.claimTask(host: "h1", owner: "o", leaseUntil: Date().addingTimeInterval(60), now: Date()) == nil)
            try await store.finishTask(id: first!.id!, error: nil, at: Date())
            #expect(try await store.claimTask(host: "h1", owner: "o", leaseUntil: Date().addingTimeInterval(60), now: Date())?.kind == .start)
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func expiredLeasesAndReleasedTasksAreClaimedAgain(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let c = TestSupport.container("a")
            try await store.createContainer(c, action: nil, task: ComputeTask(host: "h1", containerUUID: c.uuid, kind: .create, payload: .init(requestID: "r1"), createdAt: Date()))
            let now = Date()
            _ = try await store.claimTask(host: "h1", owner: "dead", leaseUntil: now.addingTimeInterval(5), now: now)
            #expect(try await store.claimTask(host: "h1", owner: "o", leaseUntil: now.addingTimeInterval(60), now: now) == nil)
            let later = try await store.claimTask(host: "h1", owner: "o", leaseUntil: now.addingTimeInterval(60), now: now.addingTimeInterval(10))
            #expect(later?.attempts == 2)
            try await store.releaseTasks(host: "h1")
            #expect(try await store.claimTask(host: "h1", owner: "o2", leaseUntil: now.addingTimeInterval(60), now: now)?.attempts == 3)
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func aTaskCanMoveToAnotherHost(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let c = TestSupport.container("a")
            try await store.createContainer(c, action: nil, task: ComputeTask(host: "h1", containerUUID: c.uuid, kind: .create, payload: .init(requestID: "r"), createdAt: Date()))
            try await TestSupport.seedHost(store, host: "h2")
            let task = try #require(try await store.unfinishedTasks().first)
            let placement = Placement(candidates: ["gone", "h2"], fits: { _, _, _ in true }, records: { _ in fatalError("unused") }, noHostReason: "")
            #expect(try await store.rescheduleTask(id: task.id!, fromHost: "elsewhere", placement: placement) { c, host in c.host = host } == nil)
            #expect(try await store.rescheduleTask(id: task.id!, fromHost: "h1", placement: placement) { c, host in c.host = host } == "h2")
            #expect(try await store.abandonTask(id: task.id!, fromHost: "h1", error: "x", at: Date()) == false)
            #expect(try await store.tasks(containerUUID: c.uuid).first?.payload.rescheduledFrom == "h1")
            #expect(try await store.claimTask(host: "h1", owner: "o", leaseUntil: Date().addingTimeInterval(9), now: Date()) == nil)
            #expect(try await store.claimTask(host: "h2", owner: "o", leaseUntil: Date().addingTimeInterval(9), now: Date())?.containerUUID == c.uuid)
            #expect(try await store.container(uuid: c.uuid)?.host == "h2")
            #expect(try await store.abandonTask(id: task.id!, fromHost: "h2", error: "x", at: Date()))
            #expect(try await store.unfinishedTasks().isEmpty)
        }
    }

    /// A host that only looks dead (a slow heartbeat) may be creating the container: its claimed task, or a
    /// container that already has an engine container, stays where it is.

    @Test(arguments: TestSupport.Backend.allCases)
    func aStartedTaskDoesNotMove(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            try await TestSupport.seedHost(store, host: "h2")
            let placement = Placement(candidates: ["h2"], fits: { _, _, _ in true }, records: { _ in fatalError("unused") }, noHostReason: "")
            let claimed = TestSupport.container("claimed")
            try await store.createContainer(claimed, action: nil, task: ComputeTask(host: "h1", containerUUID: claimed.uuid, kind: .create, payload: .init(requestID: "r"), createdAt: Date()))
            let task = try #require(try await store.claimTask(host: "h1", owner: "o", leaseUntil: Date().addingTimeInterval(60), now: Date()))
            #expect(try await store.rescheduleTask(id: task.id!, fromHost: "h1", placement: placement) { c, host in c.host = host } == nil)
            #expect(try await store.container(uuid: claimed.uuid)?.host == "h1")

            var made = TestSupport.container("made")
            made.containerID = "abc123"
            try await store.createContainer(made, action: nil, task: ComputeTask(host: "h1", containerUUID: made.uuid, kind: .create, payload: .init(requestID: "r2"), createdAt: Date()))
            let pending = try #require(try await store.unfinishedTasks().first { $0.containerUUID == made.uuid })
            #expect(pending.state == .pending)
            #expect(try await store.rescheduleTask(id: pending.id!, fromHost: "h1", placement: placement) { c, host in c.host = host } == nil)
            #expect(try await store.container(uuid: made.uuid)?.host == "h1")
        }
    }
}
