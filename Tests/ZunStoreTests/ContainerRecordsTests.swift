import Foundation
import NIOConcurrencyHelpers
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// `ContainerRecords` on both databases: atomic writes, lists, read-your-writes, placement under locks.
struct ContainerRecordsTests {
    @Test func containerActionAndTaskAreWrittenTogetherAndSurviveReopen() async throws {
        do {
            let (store, path) = try await TestSupport.makeStore()
            let c = TestSupport.container("a")
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
    func listFiltersSortsAndPages(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            for name in ["c3", "c1", "c2"] { try await store.createContainer(TestSupport.container(name), action: nil, task: nil) }
            try await store.createContainer(TestSupport.container("other", project: "p2"), action: nil, task: nil)
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
            let c = TestSupport.container("v0")
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
    func concurrentPlacementsNeverOverCommitAHost(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            try await TestSupport.seedHost(store, host: "small", memTotal: 1000)
            // 20 creates of 100 MB race for a 1000 MB host: exactly 10 fit.
            let placed = try await withThrowingTaskGroup(of: Container.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        let c = Container(uuid: UUID().uuidString.lowercased(), name: "c\(i)", projectID: "p", userID: "u", image: "busybox", cpu: 0.1, memory: "100", createdAt: Date())
                        let placement = Placement(
                            candidates: ["small"],
                            fits: { node, usage, service in
                                service?.host == "small" && service?.binary == ZunService.computeBinary && usage.memoryMB + 100 <= node.memTotal
                            },
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

    /// A placement sees each candidate's usage (zero for an empty host) and its service record, or none when
    /// the host has no `zun-compute` service.
    @Test(arguments: TestSupport.Backend.allCases)
    func aPlacementSeesEachCandidatesUsageAndService(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            try await TestSupport.seedHost(store, host: "served")
            var bare = ComputeNode(uuid: UUID().uuidString.lowercased(), hostname: "bare")
            bare.memTotal = 8192
            try await store.saveComputeNode(bare)
            let seen = NIOLockedValueBox<[String: (HostUsage, ZunService?)]>([:])
            func place(_ name: String, on host: String) async throws -> Container {
                let c = Container(uuid: UUID().uuidString.lowercased(), name: name, projectID: "p", userID: "u", image: "busybox", cpu: 0.5, memory: "64", createdAt: Date())
                let placement = Placement(
                    candidates: [host],
                    fits: { node, usage, service in
                        seen.withLockedValue { $0[node.hostname] = (usage, service) }
                        return true
                    },
                    records: { host in
                        (ContainerAction(action: "create", containerUUID: c.uuid, requestID: "r-\(name)", userID: "u", projectID: "p", startTime: Date()),
                         ComputeTask(host: host, containerUUID: c.uuid, kind: .create, payload: .init(requestID: "r-\(name)"), createdAt: Date()))
                    }, noHostReason: "full")
                return try await store.createContainer(c, placement: placement)
            }
            _ = try await place("first", on: "served")
            #expect(seen.withLockedValue { $0["served"]?.0.containers } == 0)
            #expect(seen.withLockedValue { $0["served"]?.1?.host } == "served")
            _ = try await place("second", on: "served")
            let usage = try #require(seen.withLockedValue { $0["served"]?.0 })
            #expect(usage.containers == 1 && usage.memoryMB == 64 && usage.cpu == 0.5)
            _ = try await place("third", on: "bare")
            #expect(seen.withLockedValue { $0["bare"] != nil && $0["bare"]!.1 == nil })
        }
    }
}
