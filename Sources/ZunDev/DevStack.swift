import Hummingbird
import Logging
import ServiceLifecycle
import ZunAPI
import ZunCompute
import ZunCore
import ZunStore

/// `zun dev` as one wiring, shared by the `zun dev` command and the integration tests: one compute agent
/// and the API over one store, the API reaching the agent's node-local calls in process.
public enum DevStack {
    /// Registers the agent (inventory, heartbeat, recovery) and builds the API application that serves it.
    public static func application(
        store: any ZunStore, agent: ComputeAgent, configuration: APIConfiguration, address: BindAddress, logger: Logger
    ) async throws -> some ApplicationProtocol {
        try await agent.register()
        let dependencies = APIDependencies(store: store, nodes: LocalNodes(agent: agent), configuration: configuration, clock: agent.clock)
        return try ZunAPIRouter.application(
            dependencies, configuration: .init(address: address, serverName: "zun"), logger: logger
        )
    }

    /// The agent's loops followed by the API. A `ServiceGroup` stops services in reverse order: the API stops
    /// accepting first, then the agent finishes the tasks it claimed.
    public static func services(agent: ComputeAgent, api: some Service) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        agent.services.map { .init(service: $0) } + [.init(service: api)]
    }
}

/// In `zun dev` the only compute host is this process's agent.
public struct LocalNodes: NodeLocalCallsResolver {
    let agent: ComputeAgent

    public init(agent: ComputeAgent) { self.agent = agent }

    public func calls(forHost host: String) async -> (any NodeLocalCalls)? {
        host == agent.configuration.hostName ? agent.nodeLocalCalls : nil
    }
}
