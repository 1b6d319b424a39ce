import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

/// `QuotaRecords` on both databases: limits, classes, usage, and the check inside the create transaction.
struct QuotaRecordsTests {
    /// 100 creates of one project race against a quota of 10 containers, on two stores (two API replicas)
    /// sharing one database: exactly 10 are written, the others refused with 403 and nothing written.
    @Test(arguments: TestSupport.Backend.allCases)
    func concurrentCreatesNeverExceedAQuota(_ backend: TestSupport.Backend) async throws {
        try await Self.withTwoStores(backend) { first, second in
            try await TestSupport.seedHost(first, host: "big", cpus: 1000, memTotal: 1_000_000)
            try await first.setQuotas(projectID: "p", ["containers": 10])
            let configured = Dictionary(uniqueKeysWithValues: QuotaResource.allCases.map { ($0, $0.zunDefault) })
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<100 {
                    group.addTask {
                        let c = {
                            var c = TestSupport.container("c\(i)", project: "p", host: nil)
                            c.cpu = 0.1
                            c.memory = "16"
                            return c
                        }()
                        let placement = Placement(
                            candidates: ["big"], fits: { _, _, _ in true },
                            records: { host in
                                (ContainerAction(action: "create", containerUUID: c.uuid, requestID: "r\(i)", userID: "u", projectID: "p", startTime: Date()),
                                 ComputeTask(host: host, containerUUID: c.uuid, kind: .create, payload: .init(requestID: "r\(i)"), createdAt: Date()))
                            },
                            noHostReason: "full", quota: QuotaCheck(projectID: "p", delta: .of(c), configured: configured)
                        )
                        do {
                            _ = try await (i.isMultiple(of: 2) ? first : second).createContainer(c, placement: placement)
                            return true
                        } catch let error as ZunError where error.code == "over-quota" {
                            #expect(error.kind == .forbidden && error.message == "Quota exceeded for resources: containers.")
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 10)
            #expect(try await first.listContainers(.init()).count == 10)
            #expect(try await second.quotaUsage(projectID: "p").containers == 10)
            #expect(try await first.unfinishedTasks().count == 10, "a refused create writes no task either")
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func limitsFallBackFromProjectToTheDefaultClassToTheConfiguration(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            try await store.setQuotaClass(name: "default", ["cpu": 4, "memory": 1024])
            try await store.setQuotas(projectID: "p", ["cpu": -1])
            try await store.setQuotas(projectID: "p", ["disk": 7])
            #expect(try await store.quotas(projectID: "p") == ["cpu": -1, "disk": 7])
            let limits = QuotaLimits.effective(
                project: try await store.quotas(projectID: "p"), defaultClass: try await store.quotaClass(name: "default"),
                configured: [.containers: 3]
            )
            #expect(limits[.cpu] == -1 && limits[.memory] == 1024 && limits[.disk] == 7 && limits[.containers] == 3)
            try await store.deleteQuotas(projectID: "p")
            #expect(try await store.quotas(projectID: "p").isEmpty)

            // The check counts what the project holds, and -1 is unlimited.
            try await store.createContainer(TestSupport.container("a", project: "p"), action: nil, task: nil)
            let check = { (delta: QuotaUsage) in QuotaCheck(projectID: "p", delta: delta, configured: [.containers: 1]) }
            await #expect(throws: ZunError.self) { try await store.checkQuota(check(QuotaUsage(containers: 1))) }
            try await store.checkQuota(check(QuotaUsage(cpu: 3)))  // 1 + 3 ≤ 4
            await #expect(throws: ZunError.self) { try await store.checkQuota(check(QuotaUsage(cpu: 3.5))) }
            try await store.setQuotas(projectID: "p", ["containers": -1])
            try await store.checkQuota(check(QuotaUsage(containers: 100)))
        }
    }

    /// Two stores on one database: one PostgreSQL database opened twice, or one SQLite file.
    static func withTwoStores(_ backend: TestSupport.Backend, _ body: @Sendable (SQLStore, SQLStore) async throws -> Void) async throws {
        switch backend {
        case .sqlite:
            try await TestSupport.withStore { store, _ in try await body(store, store) }
        case .postgres:
            let location = try await TestSupport.freshPostgresDatabase()
            try await SQLStore.withStore(at: location, logger: TestSupport.logger) { first in
                try await SQLStore.withStore(at: location, logger: TestSupport.logger) { second in
                    try await body(first, second)
                }
            }
        }
    }
}
