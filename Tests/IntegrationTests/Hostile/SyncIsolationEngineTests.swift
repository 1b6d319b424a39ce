import DockerEngine
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing
import ZunCompute
import ZunCore
import ZunTestSupport

/// The real engine, except that inspecting one chosen container never answers: what runc did to a container
/// that got a 66,000-character exec (docs/limits.md).
struct StallingEngine: ContainerEngine {
    let base: DockerClient
    /// Engine ids or names whose inspection hangs.
    let stalled = NIOLockedValueBox<Set<String>>([])

    func inspectContainer(_ id: String, logger: Logger) async throws -> ContainerInspect? {
        if stalled.withLockedValue({ $0.contains(id) }) {
            try await Task.sleep(for: .seconds(3600))
        }
        return try await base.inspectContainer(id, logger: logger)
    }

    func info(logger: Logger) async throws -> SystemInfo { try await base.info(logger: logger) }
    func inspectImage(_ reference: String, logger: Logger) async throws -> ImageInspect? { try await base.inspectImage(reference, logger: logger) }
    func pullImage(repository: String, tag: String, timeout: Duration, logger: Logger) async throws {
        try await base.pullImage(repository: repository, tag: tag, timeout: timeout, logger: logger)
    }
    func createContainer(name: String, config: ContainerConfig, logger: Logger) async throws -> String {
        try await base.createContainer(name: name, config: config, logger: logger)
    }
    func listContainers(withLabel label: String, logger: Logger) async throws -> [ContainerSummary] {
        try await base.listContainers(withLabel: label, logger: logger)
    }
    func startContainer(_ id: String, logger: Logger) async throws { try await base.startContainer(id, logger: logger) }
    func stopContainer(_ id: String, timeout: Int?, logger: Logger) async throws { try await base.stopContainer(id, timeout: timeout, logger: logger) }
    func restartContainer(_ id: String, timeout: Int?, logger: Logger) async throws { try await base.restartContainer(id, timeout: timeout, logger: logger) }
    func pauseContainer(_ id: String, logger: Logger) async throws { try await base.pauseContainer(id, logger: logger) }
    func unpauseContainer(_ id: String, logger: Logger) async throws { try await base.unpauseContainer(id, logger: logger) }
    func killContainer(_ id: String, signal: String?, logger: Logger) async throws { try await base.killContainer(id, signal: signal, logger: logger) }
    func removeContainer(_ id: String, force: Bool, logger: Logger) async throws { try await base.removeContainer(id, force: force, logger: logger) }
    func putArchive(_ id: String, path: String, tar: ByteBuffer, logger: Logger) async throws {
        try await base.putArchive(id, path: path, tar: tar, logger: logger)
    }
    func inspectNetwork(_ id: String, logger: Logger) async throws -> NetworkInspect? { try await base.inspectNetwork(id, logger: logger) }
    func createNetwork(_ body: NetworkCreate, logger: Logger) async throws -> String { try await base.createNetwork(body, logger: logger) }
    func removeNetwork(_ id: String, logger: Logger) async throws { try await base.removeNetwork(id, logger: logger) }
    func listNetworks(withLabel label: String, logger: Logger) async throws -> [NetworkInspect] {
        try await base.listNetworks(withLabel: label, logger: logger)
    }
    func connectNetwork(_ network: String, container: String, endpoint: EndpointSettings, logger: Logger) async throws {
        try await base.connectNetwork(network, container: container, endpoint: endpoint, logger: logger)
    }
    func disconnectNetwork(_ network: String, container: String, logger: Logger) async throws {
        try await base.disconnectNetwork(network, container: container, logger: logger)
    }
    func createVolume(name: String, labels: [String: String], logger: Logger) async throws {
        try await base.createVolume(name: name, labels: labels, logger: logger)
    }
    func removeVolume(_ name: String, logger: Logger) async throws { try await base.removeVolume(name, logger: logger) }
    func listVolumes(withLabel label: String, logger: Logger) async throws -> [VolumeInspect] {
        try await base.listVolumes(withLabel: label, logger: logger)
    }
}

struct SyncIsolationEngineTests {
    @Test func anEngineCallThatHangsOnOneContainerDoesNotBlindTheSyncToTheOthers() async throws {
        let box = NIOLockedValueBox<StallingEngine?>(nil)
        try await EngineHarness.run(engine: { docker in
            let engine = StallingEngine(base: docker)
            box.withLockedValue { $0 = engine }
            return engine
        }) { harness in
            let engine = try #require(box.withLockedValue { $0 })
            let wedged = try await harness.create(#"{"image": "busybox:1.35", "command": ["sleep", "300"], "memory": 16}"#)
            let other = try await harness.create(#"{"image": "busybox:1.35", "command": ["sleep", "300"], "memory": 16}"#)
            try await harness.waitFor(wedged, "Running")
            try await harness.waitFor(other, "Running")
            let wedgedID = try #require(try await harness.store.container(uuid: wedged)?.containerID)
            engine.stalled.withLockedValue { $0 = [wedgedID, "zun-\(wedged)"] }
            // Behind the service's back, the other container exits; the sync must still report it.
            try await harness.docker.killContainer("zun-\(other)", signal: "SIGKILL", logger: TestSupport.logger)
            try await harness.waitFor(other, "Stopped", timeout: .seconds(20))
            engine.stalled.withLockedValue { $0 = [] }
        }
    }
}
