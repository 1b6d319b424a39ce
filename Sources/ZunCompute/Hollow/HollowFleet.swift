import Foundation
import Logging
import ServiceLifecycle
import ZunCore
import ZunStore

/// Many hollow compute hosts in one process, for scale benchmarks and tests: each is a real
/// `ComputeAgent` (task intake, flows, heartbeats, state sync) on its own `HollowEngine`.
public enum HollowFleet {
    /// Agents named `<prefix>-00000`…, registered with the store; run their `services` to start them.
    public static func make(
        count: Int, prefix: String, store: any ZunStore, template: ComputeAgent.Configuration,
        cpus: Int = 8, memoryMB: Int = 32768, latencies: HollowEngine.Latencies = .init(), logger: Logger
    ) async throws -> [ComputeAgent] {
        let agents = (0..<count).map { index in
            var configuration = template
            configuration.hostName = String(format: "%@-%05d", prefix, index)
            return ComputeAgent(
                configuration: configuration, store: store, engine: HollowEngine(cpus: cpus, memoryMB: memoryMB, latencies: latencies),
                nodeLocalCalls: HollowNodeCalls(), logger: logger
            )
        }
        try await register(agents)
        return agents
    }

    /// Agents on the given control planes (one per host, named by its credential), not yet registered: the
    /// fleet of a separate `zun compute --hollow` process speaking the node protocol over HTTP, which `service`
    /// starts.
    public static func agents(
        planes: [any ControlPlane], template: ComputeAgent.Configuration, cpus: Int = 8, memoryMB: Int = 32768,
        latencies: HollowEngine.Latencies = .init(), logger: Logger
    ) -> [ComputeAgent] {
        planes.map { plane in
            var configuration = template
            configuration.hostName = plane.host
            return ComputeAgent(
                configuration: configuration, controlPlane: plane, engine: HollowEngine(cpus: cpus, memoryMB: memoryMB, latencies: latencies),
                nodeLocalCalls: HollowNodeCalls(), logger: logger
            )
        }
    }

    /// Starts `agents` the way independent hosts start: each registers (64 at a time) and then runs its loops at
    /// once, so a fleet comes up as a ramp. Registering all of them before starting any left the first ones
    /// without a heartbeat for as long as the rest took, and thousands looked down (BENCHMARKS.md, "The node
    /// protocol at scale").
    public static func service(_ agents: [ComputeAgent]) -> some Service {
        HollowFleetService(agents: agents)
    }

    /// Registers concurrently, 64 at a time, so the store can group the writes.
    public static func register(_ agents: [ComputeAgent]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: agents.count, by: 64) {
                group.addTask {
                    for agent in agents[chunk..<min(chunk + 64, agents.count)] { try await agent.register() }
                }
            }
            try await group.waitForAll()
        }
    }
}

struct HollowFleetService: Service {
    let agents: [ComputeAgent]
    static let registering = 64

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for worker in 0..<min(Self.registering, agents.count) {
                group.addTask {
                    try await withThrowingDiscardingTaskGroup { loops in
                        for agent in stride(from: worker, to: agents.count, by: Self.registering).map({ agents[$0] }) {
                            guard !Task.isShuttingDownGracefully else { return }
                            try await agent.register()
                            for service in agent.services { loops.addTask { try await service.run() } }
                        }
                    }
                }
            }
        }
    }
}

/// Finds the node-local calls of any agent of a fleet (hollow or not) running in this process.
public struct InProcessNodes: NodeLocalCallsResolver {
    private let agents: [String: ComputeAgent]

    public init(_ agents: [ComputeAgent]) {
        self.agents = Dictionary(uniqueKeysWithValues: agents.map { ($0.configuration.hostName, $0) })
    }

    public func calls(forHost host: String) async -> (any NodeLocalCalls)? {
        agents[host]?.nodeLocalCalls
    }
}
