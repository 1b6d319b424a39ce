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

    /// A batch claim is one transaction: oldest first, one task per container, each lane within its slots.
    @Test(arguments: TestSupport.Backend.allCases)
    func aBatchClaimTakesTheOldestTasksWithinEachLanesSlotsInOneTransaction(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            var creates: [String] = []
            for i in 0..<5 {
                let c = TestSupport.container("c\(i)")
                try await store.createContainer(c, action: nil, task: ComputeTask(host: "h1", containerUUID: c.uuid, kind: .create, payload: .init(requestID: "r\(i)"), createdAt: Date()))
                creates.append(c.uuid)
            }
            // A second task of c0 waits behind its create; a stop goes to the graceful lane.
            try await store.updateContainer(uuid: creates[0], actions: [], tasks: [ComputeTask(host: "h1", containerUUID: creates[0], kind: .start, payload: .init(requestID: "s"), createdAt: Date())]) { _ in }
            try await store.updateContainer(uuid: creates[4], actions: [], tasks: []) { _ in }
            let other = TestSupport.container("other", host: "h2")
            try await store.createContainer(other, action: nil, task: ComputeTask(host: "h2", containerUUID: other.uuid, kind: .create, payload: .init(requestID: "o"), createdAt: Date()))

            let before = store.counters.snapshot
            let now = Date()
            let first = try await store.claimTasks(host: "h1", owner: "o", leaseUntil: now.addingTimeInterval(60), now: now, slots: [.operations: 3, .graceful: 2])
            #expect(store.counters.snapshot.transactions - before.transactions == 1, "one transaction for the whole batch")
            #expect(first.map(\.containerUUID) == Array(creates.prefix(3)), "the three oldest, one per container")
            #expect(first.allSatisfy { $0.state == .running && $0.leaseOwner == "o" && $0.attempts == 1 })
            let second = try await store.claimTasks(host: "h1", owner: "o", leaseUntil: now.addingTimeInterval(60), now: now, slots: [.operations: 10])
            #expect(second.map(\.containerUUID) == Array(creates.suffix(2)), "c0's start waits behind its running create; h2's task is not h1's")
            #expect(try await store.claimTasks(host: "h1", owner: "o", leaseUntil: now.addingTimeInterval(60), now: now, slots: [.graceful: 0]).isEmpty)
        }
    }

    /// A kind this version has no operation for (a newer version's) is claimed in the operations lane, so that
    /// its task fails on the host instead of holding back its container's later tasks for ever.
    @Test(arguments: TestSupport.Backend.allCases)
    func aTaskOfAnUnknownKindIsClaimedInTheOperationsLane(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let c = TestSupport.container("a")
            let future = ComputeTask.Kind(rawValue: "from_a_newer_version")
            try await store.createContainer(c, action: nil, task: ComputeTask(host: "h1", containerUUID: c.uuid, kind: future, payload: .init(requestID: "r"), createdAt: Date()))
            let now = Date()
            #expect(try await store.claimTasks(host: "h1", owner: "o", leaseUntil: now.addingTimeInterval(60), now: now, slots: [.graceful: 4]).isEmpty)
            #expect(try await store.claimTasks(host: "h1", owner: "o", leaseUntil: now.addingTimeInterval(60), now: now, slots: [.operations: 4]).map(\.kind) == [future])
            try await store.releaseTasks(host: "h1")
            #expect(try await store.claimTask(host: "h1", owner: "o", leaseUntil: now.addingTimeInterval(60), now: now)?.kind == future)
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

    /// The reaper reads only what is down: the services not up at `now` (silent, forced down, or heard from
    /// "in the future" beyond the down time) and the unfinished tasks of those hosts and of hosts with no service,
    /// with when each host was last heard from. Up hosts' tasks, and finished tasks, are left out.
    @Test(arguments: TestSupport.Backend.allCases)
    func theReapersReadsHoldOnlyWhatIsDown(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            let downAfter: TimeInterval = 15
            let seen: [String: Date] = [
                "up": now.addingTimeInterval(-14), "silent": now.addingTimeInterval(-16),
                "forced": now.addingTimeInterval(-1), "ahead": now.addingTimeInterval(60),
            ]
            for (host, at) in seen { try await TestSupport.seedHost(store, host: host, heartbeatAt: at) }
            try await store.updateService(host: "forced", binary: ZunService.computeBinary) { $0.forcedDown = true }
            for host in ["up", "silent", "forced", "ahead", "gone"] {
                let c = TestSupport.container("c-\(host)", host: host)
                try await store.createContainer(c, action: nil, task: ComputeTask(host: host, containerUUID: c.uuid, kind: .create, payload: .init(requestID: "r"), createdAt: now))
            }
            let finished = TestSupport.container("c-done", host: "silent")
            try await store.createContainer(finished, action: nil, task: ComputeTask(host: "silent", containerUUID: finished.uuid, kind: .create, payload: .init(requestID: "r"), createdAt: now))
            let done = try #require(try await store.tasks(containerUUID: finished.uuid).first?.id)
            try await store.finishTask(id: done, error: nil, at: now)

            let down = try await store.computeServicesDown(now: now, downAfter: downAfter)
            #expect(Set(down.map(\.host)) == ["silent", "forced", "ahead"])
            let stranded = try await store.unfinishedTasksOfHostsDown(now: now, downAfter: downAfter)
            #expect(stranded.map(\.task.host).sorted() == ["ahead", "forced", "gone", "silent"])
            #expect(stranded.first { $0.task.host == "silent" }?.hostLastSeen == seen["silent"])
            #expect(stranded.first { $0.task.host == "gone" }.map { $0.hostLastSeen == nil } == true)
        }
    }
}
