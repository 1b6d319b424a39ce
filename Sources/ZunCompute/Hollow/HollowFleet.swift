import Foundation
import Logging
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

    /// Agents on the given control planes (one per host, named by its credential), registered; the fleet of a
    /// separate `zun compute --hollow` process speaking the node protocol over HTTP.
    public static func make(
        planes: [any ControlPlane], template: ComputeAgent.Configuration, cpus: Int = 8, memoryMB: Int = 32768,
        latencies: HollowEngine.Latencies = .init(), logger: Logger
    ) async throws -> [ComputeAgent] {
        let agents = planes.map { plane in
            var configuration = template
            configuration.hostName = plane.host
            return ComputeAgent(
                configuration: configuration, controlPlane: plane, engine: HollowEngine(cpus: cpus, memoryMB: memoryMB, latencies: latencies),
                nodeLocalCalls: HollowNodeCalls(), logger: logger
            )
        }
        try await register(agents)
        return agents
    }

    /// Registers concurrently, 64 at a time, so the store can group the writes.
    static func register(_ agents: [ComputeAgent]) async throws {
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
