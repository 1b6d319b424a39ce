import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// The same suite runs on SQLite and on PostgreSQL.
struct SQLStoreTests {
    func container(_ name: String, project: String = "p1", host: String? = "h1") -> Container {
        var c = Container(uuid: UUID().uuidString.lowercased(), name: name, projectID: project, userID: "u", image: "busybox", cpu: 1, memory: "256", createdAt: Date())
        c.host = host
        return c
    }

    @Test func containerActionAndTaskAreWrittenTogetherAndSurviveReopen() async throws {
        do {
            let (store, path) = try await TestSupport.makeStore()
            let c = container("a")
            let action = ContainerAction(action: "create", containerUUID: c.uuid, requestID: "req-1", userID: "u", projectID: "p1", startTime: Date())
            let task = ComputeTask(host: "h1", containerUUID: c.uuid, kind: .create, payload: .init(requestID: "req-1", run: true), createdAt: Date())
            try await store.createContainer(c, action: action, task: task)
            try await store.close()
            let reopened = try await SQLStore.openSQLite(path: path, logger: TestSupport.logger)
            #expect(try await reopened.container(uuid: c.uuid)?.name == "a")
            #expect(try await reopened.actions(containerUUID: c.uuid).map(\.action) == ["create"])
            let claimed = try await reopened.claimTask(host: "h1", owner: "o", leaseUntil: Date().addingTimeInterval(60), now: Date())
            #expect(claimed?.containerUUID == c.uuid)
            #expect(claimed?.payload.run == true)
            try await reopened.close()
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func tasksOfOneContainerRunOneAtATime(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let c = container("a")
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
            let c = container("a")
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
    func listFiltersSortsAndPages(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            for name in ["c3", "c1", "c2"] { try await store.createContainer(container(name), action: nil, task: nil) }
            try await store.createContainer(container("other", project: "p2"), action: nil, task: nil)
            let page1 = try await store.listContainers(ContainerQuery(projectID: "p1", sortKey: "name", limit: 2))
            #expect(page1.map(\.name) == ["c1", "c2"])
            let page2 = try await store.listContainers(ContainerQuery(projectID: "p1", sortKey: "name", limit: 2, marker: page1.last!.uuid))
            #expect(page2.map(\.name) == ["c3"])
            let desc = try await store.listContainers(ContainerQuery(sortKey: "name", ascending: false))
            #expect(desc.first?.name == "other")
            #expect(try await store.listContainers(ContainerQuery(filters: ["name": "c2"])).count == 1)
        }
    }

    /// The hot reads run without an explicit transaction on SQLite: each must still see every commit made
    /// before it began, on every reader connection, also while other reads run beside it.
    @Test(arguments: TestSupport.Backend.allCases)
    func everyReadSeesEveryEarlierCommit(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let c = container("v0")
            try await store.createContainer(c, action: nil, task: nil)
            for version in 1...100 {
                try await store.updateContainer(uuid: c.uuid) { $0.name = "v\(version)" }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            let shown = try await store.container(uuid: c.uuid)?.name
                            let listed = try await store.listContainers(ContainerQuery(projectID: "p1")).first?.name
                            let named = try await store.containers(named: "v\(version)", projectID: "p1").count
                            #expect(shown == "v\(version)")
                            #expect(listed == "v\(version)")
                            #expect(named == 1)
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func usageCountsLiveContainersPerHost(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            try await store.createContainer(container("a"), action: nil, task: nil)
            var failed = container("b")
            failed.status = .error
            try await store.createContainer(failed, action: nil, task: nil)
            let usage = try await store.hostUsage()["h1"]
            #expect(usage == HostUsage(cpu: 1, memoryMB: 256, diskGB: 0, containers: 1))
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func eventsAreStartedOnceAndFinished(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let c = container("a")
            try await store.createContainer(c, action: ContainerAction(action: "create", containerUUID: c.uuid, requestID: "r", userID: "u", projectID: "p1", startTime: Date()), task: nil)
            try await store.startEvent(containerUUID: c.uuid, requestID: "r", event: "compute__do_container_create", at: Date())
            try await store.startEvent(containerUUID: c.uuid, requestID: "r", event: "compute__do_container_create", at: Date())
            try await store.finishEvent(containerUUID: c.uuid, requestID: "r", event: "compute__do_container_create", result: "Success", traceback: nil, at: Date())
            try await store.finishAction(containerUUID: c.uuid, requestID: "r", failed: false, at: Date())
            let action = try await store.action(containerUUID: c.uuid, requestID: "r")
            #expect(action?.finishTime != nil)
            let events = try await store.events(actionID: action!.id!)
            #expect(events.count == 1)
            #expect(events.first?.result == "Success")
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func concurrentPlacementsNeverOverCommitAHost(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            try await TestSupport.seedHost(store, host: "small", memTotal: 1000)
            // 20 creates of 100 MB race for a 1000 MB host: exactly 10 fit.
            let placed = try await withThrowingTaskGroup(of: Container.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        let c = Container(uuid: UUID().uuidString.lowercased(), name: "c\(i)", projectID: "p", userID: "u", image: "busybox", cpu: 0.1, memory: "100", createdAt: Date())
                        let placement = Placement(
                            candidates: ["small"], fits: { node, usage, _ in usage.memoryMB + 100 <= node.memTotal },
                            records: { host in
                                (ContainerAction(action: "create", containerUUID: c.uuid, requestID: "r\(i)", userID: "u", projectID: "p", startTime: Date()),
                                 ComputeTask(host: host, containerUUID: c.uuid, kind: .create, payload: .init(requestID: "r\(i)"), createdAt: Date()))
                            }, noHostReason: "full")
                        return try await store.createContainer(c, placement: placement)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(placed.filter { $0.host == "small" }.count == 10)
            #expect(placed.filter { $0.status == .error && $0.statusReason == "full" }.count == 10)
            #expect(try await store.hostUsage()["small"]?.memoryMB == 1000)
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func servicesCanBeDisabledForcedDownAndDeleted(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            try await TestSupport.seedHost(store, host: "h1")
            let disabled = try await store.updateService(host: "h1", binary: "zun-compute") {
                $0.disabled = true
                $0.disabledReason = "maintenance"
            }
            #expect(disabled?.disabled == true)
            #expect(try await store.services().first?.disabledReason == "maintenance")
            #expect(try await store.updateService(host: "nope", binary: "zun-compute") { $0.forcedDown = true } == nil)
            #expect(try await store.deleteService(host: "h1", binary: "zun-compute"))
            #expect(try await store.services().isEmpty)
            #expect(try await store.computeNodes().isEmpty)
            #expect(try await store.deleteService(host: "h1", binary: "zun-compute") == false)
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func aTaskCanMoveToAnotherHost(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let c = container("a")
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
            let claimed = container("claimed")
            try await store.createContainer(claimed, action: nil, task: ComputeTask(host: "h1", containerUUID: claimed.uuid, kind: .create, payload: .init(requestID: "r"), createdAt: Date()))
            let task = try #require(try await store.claimTask(host: "h1", owner: "o", leaseUntil: Date().addingTimeInterval(60), now: Date()))
            #expect(try await store.rescheduleTask(id: task.id!, fromHost: "h1", placement: placement) { c, host in c.host = host } == nil)
            #expect(try await store.container(uuid: claimed.uuid)?.host == "h1")

            var made = container("made")
            made.containerID = "abc123"
            try await store.createContainer(made, action: nil, task: ComputeTask(host: "h1", containerUUID: made.uuid, kind: .create, payload: .init(requestID: "r2"), createdAt: Date()))
            let pending = try #require(try await store.unfinishedTasks().first { $0.containerUUID == made.uuid })
            #expect(pending.state == .pending)
            #expect(try await store.rescheduleTask(id: pending.id!, fromHost: "h1", placement: placement) { c, host in c.host = host } == nil)
            #expect(try await store.container(uuid: made.uuid)?.host == "h1")
        }
    }
}
