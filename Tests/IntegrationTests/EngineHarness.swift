import DockerEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import Testing
import ZunAPI
import ZunCompute
import ZunCore
import ZunDev
import ZunStore
import ZunTestSupport

/// `zun dev` in a test: the API in process, a real compute agent and the real engine of ./scripts/test.
struct EngineHarness: Sendable {
    let store: SQLStore
    let storePath: String
    let agent: ComputeAgent
    let docker: DockerClient
    let client: any TestClientProtocol

    var hostName: String { agent.configuration.hostName }

    static func makeAgent(
        store: any ZunStore, docker: DockerClient, hostName: String, engine: (any ContainerEngine)? = nil,
        configure: (inout ComputeAgent.Configuration) -> Void = { _ in }
    ) -> ComputeAgent {
        var configuration = ComputeAgent.Configuration(hostName: hostName, heartbeatInterval: .seconds(1), syncInterval: .milliseconds(500))
        configuration.syncContainerTimeout = .seconds(5)
        configure(&configuration)
        return ComputeAgent(configuration: configuration, store: store, docker: docker, engine: engine, logger: TestSupport.logger)
    }

    /// Runs `body` with the agent's loops running (unless `startAgent` is false); removes the engine
    /// containers the test made afterwards.
    static func run(
        hostName: String = "it-" + UUID().uuidString.prefix(8).lowercased(), startAgent: Bool = true,
        engine: (@Sendable (DockerClient) -> any ContainerEngine)? = nil,
        configure: @escaping @Sendable (inout ComputeAgent.Configuration) -> Void = { _ in },
        _ body: @escaping @Sendable (EngineHarness) async throws -> Void
    ) async throws {
        let docker = try await TestSupport.docker()
        try await TestSupport.withStore { store, path in
            let agent = makeAgent(store: store, docker: docker, hostName: hostName, engine: engine?(docker), configure: configure)
            var settings = APIConfiguration()
            settings.subnetPool = TestSupport.nextSubnetPool()
            // `zun dev`'s own wiring, live (real sockets) so websocket sessions can be opened too.
            let app = try await DevStack.application(
                store: store, agent: agent, configuration: settings, address: .hostname("127.0.0.1", port: 0), logger: TestSupport.logger
            )
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    if startAgent {
                        group.addTask {
                            let services = ServiceGroup(configuration: .init(
                                services: agent.services.map { .init(service: $0) }, logger: TestSupport.logger
                            ))
                            try await services.run()
                        }
                    }
                    try await app.test(.live) { client in
                        try await body(EngineHarness(store: store, storePath: path, agent: agent, docker: docker, client: client))
                    }
                    group.cancelAll()
                }
            } catch {
                await removeEngineContainers(store, docker)
                throw error
            }
            await removeEngineContainers(store, docker)
        }
    }

    /// Removes the engine containers, networks and volumes of the test's records.
    static func removeEngineContainers(_ store: any ZunStore, _ docker: DockerClient) async {
        for container in (try? await store.listContainers(.init())) ?? [] {
            try? await docker.removeContainer(container.dockerName, force: true, logger: TestSupport.logger)
            for mount in container.mounts ?? [] where mount.kind == .volume {
                try? await docker.removeVolume(Volume.dockerName(mount.volumeUUID), logger: TestSupport.logger)
            }
        }
        for volume in (try? await store.listVolumes(projectID: nil)) ?? [] {
            try? await docker.removeVolume(volume.dockerName, logger: TestSupport.logger)
        }
        for network in (try? await store.listNetworks(visibleTo: nil)) ?? [] {
            try? await docker.removeNetwork(network.dockerName, logger: TestSupport.logger)
        }
    }

    /// POSTs a create and returns the new container's uuid.
    func create(_ json: String, run: Bool = true) async throws -> String {
        let reply = try await client.call(.post, "/v1/containers\(run ? "?run=true" : "")", json: json)
        #expect(reply.status == .accepted, "\(reply.json ?? "")")
        return reply.object["uuid"] as? String ?? ""
    }

    /// Waits until the container reaches `status` (or fails fast on `Error` unless `Error` is awaited).
    @discardableResult
    func waitFor(_ uuid: String, _ status: String, timeout: Duration = .seconds(60)) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        do {
            return try await TestSupport.eventually(timeout: timeout) {
                last = try await client.call(.get, "/v1/containers/\(uuid)").object
                let current = last["status"] as? String
                if current == "Error" && status != "Error" {
                    throw UnexpectedStatus(description: "container went to Error: \(last["status_reason"] ?? "")")
                }
                return current == status && last["task_state"] is NSNull ? last : nil
            }
        } catch is TestSupport.Timeout {
            throw UnexpectedStatus(description: "container never reached \(status); last seen \(last["status"] ?? "-") \(last["status_reason"] ?? "")")
        }
    }

    struct UnexpectedStatus: Error, CustomStringConvertible {
        var description: String
    }
}
