import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceLifecycle
import Testing
import ZunAPI
import ZunCompute
import ZunCore
import ZunStore
import ZunTestSupport

/// A scale test on hollow (simulated) hosts: the real API, scheduler, store and agents, with the engine
/// calls simulated. Two API replicas fill a fleet past capacity on both store backends: every container
/// ends Running or (past capacity) in Error with Zun's reason, and no host is over-committed.
@Suite(.serialized)
struct HollowFleetTests {
    @Test(arguments: TestSupport.Backend.allCases)
    func twoReplicasFillAHollowFleetWithoutOverCommit(_ backend: TestSupport.Backend) async throws {
        try await TestSupport.withStore(backend) { store in
            var template = ComputeAgent.Configuration(hostName: "", heartbeatInterval: .seconds(5), syncInterval: .seconds(30))
            template.idlePollInterval = .seconds(5)
            // 60 hosts × 1024 MB × RAM ratio 1.5 = 6 containers of 256 MB each: 360 slots.
            let agents = try await HollowFleet.make(count: 60, prefix: "hollow", store: store, template: template, cpus: 4, memoryMB: 1024, logger: TestSupport.logger)
            // Capacity is what this test is about; liveness has its own tests. A generous bound keeps a host
            // whose heartbeat waited behind this burst of writes (on a loaded CI machine) from looking down.
            var configuration = APIConfiguration()
            configuration.serviceDownTime = 120
            // One project fills the fleet: this test is about host capacity, not project quotas.
            configuration.quotasEnforced = false
            let dependencies = APIDependencies(store: store, nodes: InProcessNodes(agents), configuration: configuration)
            let replicas = try (0..<2).map { _ in Application(router: try ZunAPIRouter.build(dependencies), logger: TestSupport.logger) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await ServiceGroup(configuration: .init(services: agents.flatMap(\.services).map { .init(service: $0) }, logger: TestSupport.logger)).run()
                }
                try await replicas[0].test(.router) { first in
                    try await replicas[1].test(.router) { second in
                        let clients: [any TestClientProtocol] = [first, second]
                        let statuses = try await withThrowingTaskGroup(of: String.self) { creates in
                            for i in 0..<400 {
                                creates.addTask {
                                    let reply = try await clients[i % 2].call(.post, "/v1/containers?run=true", json: #"{"image": "busybox:1.35", "memory": 256, "cpu": 0.5}"#)
                                    return reply.status == .accepted ? "202" : "\(reply.status.code) \(reply.errorDetail)"
                                }
                            }
                            return try await creates.reduce(into: [String]()) { $0.append($1) }
                        }
                        #expect(statuses.filter { $0 != "202" } == [])
                    }
                }
                let all = try await TestSupport.eventually(timeout: .seconds(60)) { () -> [Container]? in
                    let containers = try await store.listContainers(.init(limit: 1000))
                    return containers.allSatisfy({ $0.status == .running || $0.status == .error }) ? containers : nil
                }
                let running = all.filter { $0.status == .running }
                #expect(running.count == 360, "every slot used")
                #expect(all.filter { $0.status == .error }.allSatisfy { $0.statusReason == "There are not enough hosts available." })
                let perHost = Dictionary(grouping: running, by: { $0.host ?? "" })
                #expect(perHost.count == 60)
                #expect(perHost.values.allSatisfy { $0.count == 6 }, "no host over its RAM limit")
                group.cancelAll()
            }
        }
    }
}
