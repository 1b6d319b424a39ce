import DockerEngine
import Foundation
import ServiceLifecycle
import Testing
import ZunCompute
import ZunCore
import ZunStore
import ZunTestSupport

/// A create survives the process dying mid-create: the task is run again by the next agent on the same
/// data, and the engine ends with exactly one container for the record.
@Suite(.serialized)
struct DurabilityEngineTests {
    @Test(arguments: [false, true])
    func createSurvivesARestartMidCreate(engineContainerAlreadyMade: Bool) async throws {
        let hostName = "it-restart-" + UUID().uuidString.prefix(6).lowercased()
        let docker = try await TestSupport.docker()
        let path = try TestSupport.temporaryDirectory() + "/zun.sqlite"

        // First life: the API accepts the create; the agent claims the task and dies before finishing.
        var uuid = ""
        do {
            let store = try await SQLStore.openSQLite(path: path, logger: TestSupport.logger)
            let agent = EngineHarness.makeAgent(store: store, docker: docker, hostName: hostName)
            try await agent.register()
            let container = try await placeViaStore(store, host: hostName)
            uuid = container.uuid
            let claimed = try await store.claimTask(host: hostName, owner: "crashed", leaseUntil: Date().addingTimeInterval(3600), now: Date())
            #expect(claimed?.containerUUID == uuid)
            if engineContainerAlreadyMade {
                _ = try await docker.createContainer(
                    name: container.dockerName, config: ContainerSpecBuilder().config(for: container), logger: TestSupport.logger
                )
            }
            try await store.close()
        }

        // Second life on the same data dir.
        let store = try await SQLStore.openSQLite(path: path, logger: TestSupport.logger)
        let agent = EngineHarness.makeAgent(store: store, docker: docker, hostName: hostName)
        try await agent.register()
        let services = ServiceGroup(configuration: .init(services: agent.services.map { .init(service: $0) }, logger: TestSupport.logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            let running = try await TestSupport.eventually(timeout: .seconds(60)) {
                let c = try await store.container(uuid: uuid)
                return c?.status == .running ? c : nil
            }
            #expect(running.containerID != nil)
            // The task is marked done just after the container shows Running; wait before stopping the agent.
            let tasksDone = try? await TestSupport.eventually(timeout: .seconds(10)) {
                try await store.tasks(containerUUID: uuid).allSatisfy { $0.state == .done } ? true : nil
            }
            #expect(tasksDone == true)
            group.cancelAll()
        }
        let engine = try await docker.listContainers(withLabel: "\(ContainerSpecBuilder.uuidLabel)=\(uuid)", logger: TestSupport.logger)
        #expect(engine.count == 1, "exactly one engine container for the record")
        try? await docker.removeContainer("zun-\(uuid)", force: true, logger: TestSupport.logger)
        try await store.close()
    }

    /// Writes what `POST /v1/containers?run=true` writes: container, action and task in one transaction.
    func placeViaStore(_ store: SQLStore, host: String) async throws -> Container {
        var container = Container(
            uuid: UUID().uuidString.lowercased(), name: "durable", projectID: "admin", userID: "admin",
            image: "busybox:1.35", cpu: 0.5, memory: "64", createdAt: Date()
        )
        container.command = ["sleep", "300"]
        container.host = host
        let action = ContainerAction(action: "create", containerUUID: container.uuid, requestID: "req-durable", userID: "admin", projectID: "admin", startTime: Date())
        let task = ComputeTask(host: host, containerUUID: container.uuid, kind: .create, payload: .init(requestID: "req-durable", run: true), createdAt: Date())
        try await store.createContainer(container, action: action, task: task)
        return container
    }
}

/// Zun's `init_containers`: records stranded in a transitional state with no task behind them are
/// settled when the agent starts.
@Suite(.serialized)
struct StartupRecoveryEngineTests {
    static let sleeper = #"["sh", "-c", "trap 'exit 0' TERM; sleep 300 & wait"]"#

    @Test func strandedRecordsAreSettledAtStartUp() async throws {
        try await EngineHarness.run { h in
            let host = h.agent.configuration.hostName
            // A: a create whose task is gone and that never reached the engine.
            var neverMade = Container(uuid: UUID().uuidString.lowercased(), name: "never-made", projectID: "admin", userID: "admin", image: "busybox:1.35", cpu: 0.1, memory: "64", createdAt: Date())
            neverMade.host = host
            neverMade.status = .creating
            neverMade.taskState = .containerCreating
            try await h.store.createContainer(neverMade, action: nil, task: nil)
            // B: running in the engine, record left Restarting mid-reboot.
            let rebooted = try await h.create(#"{"image": "busybox:1.35", "name": "rebooted", "command": \#(Self.sleeper)}"#)
            try await h.waitFor(rebooted, "Running")
            _ = try await h.store.updateContainer(uuid: rebooted) {
                $0.status = .restarting
                $0.taskState = .containerRebooting
            }
            // C: a delete the API acknowledged but whose task is gone.
            let deleted = try await h.create(#"{"image": "busybox:1.35", "name": "deleted", "command": \#(Self.sleeper)}"#)
            try await h.waitFor(deleted, "Running")
            _ = try await h.store.updateContainer(uuid: deleted) { $0.status = .deleting }

            #expect(try await h.agent.recoverStrandedContainers() == 3)
            let a = try await h.show(neverMade.uuid)
            #expect(a["status"] as? String == "Error")
            #expect(a["status_reason"] as? String == "Container failed to create correctly")
            try await h.waitFor(rebooted, "Running")
            try await TestSupport.eventually(timeout: .seconds(30)) {
                try await h.client.call(.get, "/v1/containers/\(deleted)").status == .notFound ? true : nil
            }
            #expect(try await h.docker.inspectContainer("zun-\(deleted)", logger: TestSupport.logger) == nil)
            // Nothing is left to settle.
            #expect(try await h.agent.recoverStrandedContainers() == 0)
        }
    }
}
