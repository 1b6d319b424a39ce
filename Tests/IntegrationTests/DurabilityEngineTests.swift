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
