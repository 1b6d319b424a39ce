import DockerEngine
import Logging
import NIOCore

/// The engine calls of the agent's task path (create, lifecycle, state sync, inventory). `DockerClient`
/// is the real one; `HollowEngine` simulates one for scale benchmarks. Interactive and inspection calls
/// (logs, exec, archives, …) are `NodeLocalCalls`, which only a real engine answers.
public protocol ContainerEngine: Sendable {
    func info(logger: Logger) async throws -> SystemInfo
    func inspectImage(_ reference: String, logger: Logger) async throws -> ImageInspect?
    func pullImage(repository: String, tag: String, timeout: Duration, logger: Logger) async throws
    func createContainer(name: String, config: ContainerConfig, logger: Logger) async throws -> String
    func inspectContainer(_ id: String, logger: Logger) async throws -> ContainerInspect?
    func listContainers(withLabel label: String, logger: Logger) async throws -> [ContainerSummary]
    func startContainer(_ id: String, logger: Logger) async throws
    func stopContainer(_ id: String, timeout: Int?, logger: Logger) async throws
    func restartContainer(_ id: String, timeout: Int?, logger: Logger) async throws
    func pauseContainer(_ id: String, logger: Logger) async throws
    func unpauseContainer(_ id: String, logger: Logger) async throws
    func killContainer(_ id: String, signal: String?, logger: Logger) async throws
    func removeContainer(_ id: String, force: Bool, logger: Logger) async throws
    /// Writes a tar archive into a container (file injection before start).
    func putArchive(_ id: String, path: String, tar: ByteBuffer, logger: Logger) async throws

    // Networks and volumes (realized lazily on each host).
    func inspectNetwork(_ id: String, logger: Logger) async throws -> NetworkInspect?
    func createNetwork(_ body: NetworkCreate, logger: Logger) async throws -> String
    func removeNetwork(_ id: String, logger: Logger) async throws
    func listNetworks(withLabel label: String, logger: Logger) async throws -> [NetworkInspect]
    func connectNetwork(_ network: String, container: String, endpoint: EndpointSettings, logger: Logger) async throws
    func disconnectNetwork(_ network: String, container: String, logger: Logger) async throws
    func createVolume(name: String, labels: [String: String], logger: Logger) async throws
    func removeVolume(_ name: String, logger: Logger) async throws
    func listVolumes(withLabel label: String, logger: Logger) async throws -> [VolumeInspect]
}

extension ContainerEngine {
    func pullImage(repository: String, tag: String, logger: Logger) async throws {
        try await pullImage(repository: repository, tag: tag, timeout: .seconds(600), logger: logger)
    }
}

extension DockerClient: ContainerEngine {}
