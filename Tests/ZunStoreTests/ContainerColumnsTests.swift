import Foundation
import SQLKit
import Testing
import ZunCore
@testable import ZunStore
import ZunTestSupport

/// A container's columns (what lists filter and sort on, and what usage sums) always say what its `data` says.
/// A report's write sets only the columns that changed (`SQLStore.writeContainer(_:previous:_:)`), so these
/// tests change some columns and not others, and read every column back.
struct ContainerColumnsTests {
    struct Columns: Equatable {
        var name, projectID, userID, image, status: String?
        var taskState, host, memory: String?
        var cpu: Double?
        var disk: Int?
        var autoRemove: Int?
        var updatedAt: Double?

        init(_ c: Container) {
            (name, projectID, userID, image, status) = (c.name, c.projectID, c.userID, c.image, c.status.rawValue)
            (taskState, host, memory, cpu, disk) = (c.taskState?.rawValue, c.host, c.memory, c.cpu, c.disk)
            autoRemove = c.autoRemove ? 1 : 0
            updatedAt = c.updatedAt?.timeIntervalSince1970
        }

        init(_ row: any SQLRow) throws {
            (name, projectID, userID, image) = (try row.string("name"), try row.string("project_id"), try row.string("user_id"), try row.string("image"))
            (status, taskState, host, memory) = (try row.string("status"), try row.string("task_state"), try row.string("host"), try row.string("memory"))
            (cpu, disk, autoRemove, updatedAt) = (try row.double("cpu"), try row.int("disk"), try row.int("auto_remove"), try row.double("updated_at"))
        }
    }

    static func columns(_ store: SQLStore, _ uuid: String) async throws -> Columns {
        try await store.backend.read { db in
            try Columns(try #require(try await db.run("SELECT * FROM container WHERE uuid = \(bind: uuid)").first))
        }
    }

    @Test(arguments: TestSupport.Backend.allCases)
    func aReportWritesWhatChangedAndEveryColumnMatchesTheRecord(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            let created = TestSupport.container("columns")
            try await store.createContainer(created, action: nil, task: nil)
            #expect(try await Self.columns(store, created.uuid) == Columns(try #require(try await store.container(uuid: created.uuid))))

            // Only the status and task state change (a create and start's report).
            let started = try #require(try await store.writeReports { writer in
                try await writer.updateContainer(uuid: created.uuid, actions: [], tasks: []) { c in
                    c.status = .running
                    c.taskState = nil
                }
            })
            #expect(try await Self.columns(store, created.uuid) == Columns(started))
            #expect(started.status == .running && started.host == "h1")

            // Two reports in one transaction, the second changing the indexed columns the first left alone.
            let moved = try #require(try await store.writeReports { writer in
                _ = try await writer.updateContainer(uuid: created.uuid, actions: [], tasks: []) { $0.taskState = .containerStarting }
                return try await writer.updateContainer(uuid: created.uuid, actions: [], tasks: []) { c in
                    c.host = "h2"
                    c.name = "renamed"
                    c.memory = "512"
                    c.disk = 3
                    c.cpu = 2
                    c.autoRemove = true
                    c.taskState = nil
                }
            })
            #expect(try await Self.columns(store, created.uuid) == Columns(moved))
            #expect(try await Self.columns(store, created.uuid).host == "h2")
            #expect(try await store.container(uuid: created.uuid) == moved)
            // The usage sums read the columns: the container counts on its new host only.
            let usage = try await store.hostUsage()
            #expect(usage["h1"] == nil)
            #expect(usage["h2"]?.memoryMB == 512)
        }
    }
}
