import Foundation
import Logging
import Testing
import ZunAPI
import ZunCore
import ZunStore
import ZunTestSupport

/// The reaper on a clock the test moves: no sleeping, and each boundary (host down, task timed out) is
/// crossed exactly.
struct DeadHostReaperTests {
    /// A container placed on `host` with its create (or other) task, written at the clock's time.
    func place(_ store: SQLStore, on host: String, kind: ComputeTask.Kind = .create, at now: Date) async throws -> Container {
        let container = TestSupport.container("c-\(UUID().uuidString.prefix(6))", host: host, createdAt: now)
        let requestID = "req-" + UUID().uuidString.lowercased()
        let operation = ContainerOperations.operation(for: kind) ?? ContainerOperations.create
        try await store.createContainer(
            container,
            action: ContainerAction(action: operation.name, containerUUID: container.uuid, requestID: requestID, userID: "u", projectID: "p1", startTime: now),
            task: ComputeTask(host: host, containerUUID: container.uuid, kind: kind, payload: .init(requestID: requestID), createdAt: now)
        )
        return container
    }

    /// A store with host `h1` heartbeating now, a manual clock and a reaper on both.
    func withReaper(_ body: @escaping @Sendable (SQLStore, ManualWallClock, DeadHostReaper, APIConfiguration) async throws -> Void) async throws {
        try await TestSupport.withStore { store, _ in
            let clock = ManualWallClock()
            let configuration = APIConfiguration()
            try await TestSupport.seedHost(store, host: "h1", heartbeatAt: clock.now)
            let reaper = try DeadHostReaper(store: store, configuration: configuration, clock: clock, logger: TestSupport.logger)
            try await body(store, clock, reaper, configuration)
        }
    }

    @Test func aTaskOnAHostThatStopsHeartbeatingEndsOnlyAfterTheTimeout() async throws {
        try await withReaper { store, clock, reaper, configuration in
            let container = try await place(store, on: "h1", at: clock.now)
            #expect(try await reaper.reapOnce() == 0)  // the host is up
            clock.advance(by: configuration.serviceDownTime + 1)
            #expect(try await reaper.reapOnce() == 0)  // down, but the task has not waited long enough
            clock.advance(by: configuration.deadHostTaskTimeout - configuration.serviceDownTime - 2)
            #expect(try await reaper.reapOnce() == 0)  // one second before the timeout
            clock.advance(by: 2)
            #expect(try await reaper.reapOnce() == 1)

            let record = try #require(try await store.container(uuid: container.uuid))
            #expect(record.status == .error)
            #expect(record.statusReason == "Compute host h1 is down: the create did not complete within 60 s.")
            #expect(try await store.tasks(containerUUID: container.uuid).map(\.state) == [.failed])
            #expect(try await store.actions(containerUUID: container.uuid).first?.message == "Error")
            #expect(try await reaper.reapOnce() == 0)  // nothing left to reap
        }
    }

    @Test func aCreateNobodyStartedMovesToALiveHostOnce() async throws {
        try await withReaper { store, clock, reaper, configuration in
            let container = try await place(store, on: "h1", at: clock.now)
            clock.advance(by: configuration.deadHostTaskTimeout + 1)
            try await TestSupport.seedHost(store, host: "h2", heartbeatAt: clock.now)

            #expect(try await reaper.reapOnce() == 1)
            #expect(try await store.container(uuid: container.uuid)?.host == "h2")
            let task = try #require(try await store.tasks(containerUUID: container.uuid).first)
            #expect(task.host == "h2" && task.state == .pending && task.payload.rescheduledFrom == "h1")
        }
    }

    @Test func aDeleteOnADeadHostRemovesTheRecord() async throws {
        try await withReaper { store, clock, reaper, configuration in
            let container = try await place(store, on: "h1", kind: .delete, at: clock.now)
            clock.advance(by: configuration.deadHostTaskTimeout + 1)

            #expect(try await reaper.reapOnce() == 1)
            #expect(try await store.container(uuid: container.uuid) == nil)
        }
    }
}
