import DockerEngine
import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport
@testable import ZunCompute

/// A create that pulls its image shows `image_pulling` while the pull runs (as Zun does), sent when the pull has
/// run a moment rather than after the outbox's linger, then `container_creating` again; one whose image is there
/// sends nothing before its end (its reports are one write).
struct ImagePullTaskStateTests {
    static func agent(_ store: SQLStore, pull: Duration) -> (ComputeAgent, HollowEngine) {
        var configuration = ComputeAgent.Configuration(hostName: "h1")
        // A linger far longer than the pull: only the pull's own send can show its task state in time.
        configuration.reportLinger = .seconds(600)
        let engine = HollowEngine(cpus: 4, memoryMB: 4096, latencies: .init(pull: pull))
        let agent = ComputeAgent(
            configuration: configuration, store: store, engine: engine, nodeLocalCalls: HollowNodeCalls(), logger: TestSupport.logger
        )
        return (agent, engine)
    }

    static func createTask(_ store: SQLStore) async throws -> (Container, ComputeTask) {
        let container = TestSupport.container("pulled")
        let action = ContainerAction(action: "create", containerUUID: container.uuid, requestID: "req-\(container.uuid.prefix(6))", userID: "u", projectID: "p1", startTime: Date())
        let task = ComputeTask(host: "h1", containerUUID: container.uuid, kind: .create, payload: .init(requestID: action.requestID, run: true), createdAt: Date())
        try await store.createContainer(container, action: action, task: task)
        let claimed = try #require(try await store.claimTask(host: "h1", owner: "h1/test", leaseUntil: Date().addingTimeInterval(60), now: Date()))
        return (container, claimed)
    }

    @Test func aPullShowsImagePullingWhileItRuns() async throws {
        try await TestSupport.withStore(.sqlite) { store in
            let (agent, _) = Self.agent(store, pull: .seconds(3))
            try await agent.register()
            let (container, task) = try await Self.createTask(store)
            let run = Task { await TaskExecutor(agent: agent).run(task) }
            let shown = try await TestSupport.eventually(timeout: .seconds(2), interval: .milliseconds(20)) {
                try await store.container(uuid: container.uuid)?.taskState == .imagePulling ? true : nil
            }
            #expect(shown == true)
            await run.value
            let done = try #require(try await store.container(uuid: container.uuid))
            #expect(done.status == .running && done.taskState == nil)
        }
    }

    @Test func aCreateWithItsImagePresentIsOneWrite() async throws {
        try await TestSupport.withStore(.sqlite) { store in
            let (agent, engine) = Self.agent(store, pull: .zero)
            try await agent.register()
            try await engine.pullImage(repository: "busybox", tag: "latest", timeout: .seconds(5), logger: TestSupport.logger)
            let (container, task) = try await Self.createTask(store)
            let before = store.counters.snapshot
            await TaskExecutor(agent: agent).run(task)
            #expect(try await store.container(uuid: container.uuid)?.status == .running)
            #expect((store.counters.snapshot - before).transactions == 1)
        }
    }
}
