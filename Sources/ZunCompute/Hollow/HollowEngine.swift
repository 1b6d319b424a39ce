import DockerEngine
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A simulated Docker engine for scale benchmarks and scheduler tests only: containers are entries in
/// memory that move through Docker's states after configurable delays. The agent code that drives it
/// (task intake, flows, heartbeats, state sync) is the real one; only these engine calls are fake.
public final class HollowEngine: ContainerEngine {
    /// Simulated time of each engine call.
    public struct Latencies: Sendable {
        public var pull: Duration
        public var create: Duration
        public var start: Duration
        public var stop: Duration
        public var remove: Duration

        public init(pull: Duration = .zero, create: Duration = .zero, start: Duration = .zero, stop: Duration = .zero, remove: Duration = .zero) {
            self.pull = pull
            self.create = create
            self.start = start
            self.stop = stop
            self.remove = remove
        }

        /// The same delay for every call.
        public static func uniform(_ delay: Duration) -> Latencies {
            Latencies(pull: delay, create: delay, start: delay, stop: delay, remove: delay)
        }
    }

    private struct Entry {
        var id: String
        var name: String
        var labels: [String: String]
        var cmd: [String]?
        var tty: Bool
        var status = "created"
        var exitCode = 0
        var startedAt: String?
        var finishedAt: String?
    }

    private struct State {
        var containers: [String: Entry] = [:]
        var idsByName: [String: String] = [:]
        var images: Set<String> = []
        var networks: [String: NetworkInspect] = [:]
        var volumes: [String: VolumeInspect] = [:]
    }

    public let cpus: Int
    public let memoryMB: Int
    public let latencies: Latencies
    private let state = NIOLockedValueBox(State())

    public init(cpus: Int = 8, memoryMB: Int = 32768, latencies: Latencies = Latencies()) {
        self.cpus = cpus
        self.memoryMB = memoryMB
        self.latencies = latencies
    }

    /// Waits a simulated call's time. A zero delay does not wait: even `Task.sleep(for: .zero)` arms a timer,
    /// a cost no real engine call has.
    private func pause(_ delay: Duration) async throws {
        if delay > .zero { try await Task.sleep(for: delay) }
    }

    /// A 64-hex-digit id, as Docker gives its containers and networks.
    private static func engineID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    public func info(logger: Logger) async throws -> SystemInfo {
        var info = SystemInfo(
            ncpu: cpus, memTotal: Int64(memoryMB) << 20, operatingSystem: "Hollow", osType: "linux", architecture: "x86_64", runtimes: ["runc"]
        )
        // The counts a real engine reports, which change with every container.
        (info.containers, info.containersRunning) = state.withLockedValue { state in
            (state.containers.count, state.containers.values.filter { $0.status == "running" }.count)
        }
        return info
    }

    public func inspectImage(_ reference: String, logger: Logger) async throws -> ImageInspect? {
        state.withLockedValue { $0.images.contains(Self.normalized(reference)) }
            ? ImageInspect(id: "sha256:" + String(reference.hashValue.magnitude, radix: 16), cmd: ["sh"], entrypoint: nil) : nil
    }

    public func pullImage(repository: String, tag: String, timeout: Duration, logger: Logger) async throws {
        try await pause(latencies.pull)
        state.withLockedValue { _ = $0.images.insert(Self.normalized("\(repository):\(tag)")) }
    }

    public func createContainer(name: String, config: ContainerConfig, logger: Logger) async throws -> String {
        try await pause(latencies.create)
        let id = Self.engineID()
        return try state.withLockedValue { state in
            if let existing = state.idsByName[name] {
                throw DockerError(status: 409, message: "Conflict. The container name \"/\(name)\" is already in use by container \"\(existing)\".")
            }
            state.containers[id] = Entry(id: id, name: name, labels: config.labels ?? [:], cmd: config.cmd, tty: config.tty ?? false)
            state.idsByName[name] = id
            return id
        }
    }

    public func inspectContainer(_ id: String, logger: Logger) async throws -> ContainerInspect? {
        state.withLockedValue { state in
            guard let entry = Self.entry(id, in: state) else { return nil }
            let inspectState = ContainerInspect.State(
                status: entry.status, running: entry.status == "running" || entry.status == "paused", paused: entry.status == "paused",
                restarting: false, dead: false, exitCode: entry.exitCode, error: "", startedAt: entry.startedAt ?? "0001-01-01T00:00:00Z",
                finishedAt: entry.finishedAt ?? "0001-01-01T00:00:00Z"
            )
            return ContainerInspect(
                id: entry.id, name: "/" + entry.name, state: inspectState,
                config: ContainerInspect.Config(cmd: entry.cmd, entrypoint: nil, labels: entry.labels, tty: entry.tty)
            )
        }
    }

    public func listContainers(withLabel label: String, logger: Logger) async throws -> [ContainerSummary] {
        let parts = label.split(separator: "=", maxSplits: 1).map(String.init)
        return state.withLockedValue { state in
            state.containers.values.filter { entry in
                guard let value = entry.labels[parts[0]] else { return false }
                return parts.count == 1 || value == parts[1]
            }.map { ContainerSummary(id: $0.id, labels: $0.labels, state: $0.status) }
        }
    }

    public func startContainer(_ id: String, logger: Logger) async throws {
        try await pause(latencies.start)
        try change(id) { entry in
            guard entry.status != "running" else { return }
            entry.status = "running"
            entry.startedAt = Self.now()
        }
    }

    public func stopContainer(_ id: String, timeout: Int?, logger: Logger) async throws {
        try await pause(latencies.stop)
        try change(id) { Self.exit(&$0, code: 0) }
    }

    public func restartContainer(_ id: String, timeout: Int?, logger: Logger) async throws {
        try await pause(latencies.stop + latencies.start)
        try change(id) { entry in
            entry.status = "running"
            entry.startedAt = Self.now()
        }
    }

    public func pauseContainer(_ id: String, logger: Logger) async throws {
        try change(id) { entry in
            guard entry.status == "running" else { throw DockerError(status: 409, message: "Container \(id) is not running") }
            entry.status = "paused"
        }
    }

    public func unpauseContainer(_ id: String, logger: Logger) async throws {
        try change(id) { entry in
            guard entry.status == "paused" else { throw DockerError(status: 409, message: "Container \(id) is not paused") }
            entry.status = "running"
        }
    }

    public func killContainer(_ id: String, signal: String?, logger: Logger) async throws {
        try change(id) { entry in
            guard entry.status == "running" else { throw DockerError(status: 409, message: "Container \(id) is not running") }
            Self.exit(&entry, code: 137)
        }
    }

    public func removeContainer(_ id: String, force: Bool, logger: Logger) async throws {
        try await pause(latencies.remove)
        try state.withLockedValue { state in
            guard let entry = Self.entry(id, in: state) else { throw DockerError(status: 404, message: "No such container: \(id)") }
            if entry.status == "running" || entry.status == "paused", !force {
                throw DockerError(status: 409, message: "You cannot remove a running container \(entry.id). Stop the container before attempting removal or force remove")
            }
            state.containers[entry.id] = nil
            state.idsByName[entry.name] = nil
        }
    }

    public func putArchive(_ id: String, path: String, tar: ByteBuffer, logger: Logger) async throws {
        guard state.withLockedValue({ Self.entry(id, in: $0) }) != nil else { throw DockerError(status: 404, message: "No such container: \(id)") }
    }

    // MARK: Networks and volumes: records in memory, nothing attached for real.

    public func inspectNetwork(_ id: String, logger: Logger) async throws -> NetworkInspect? {
        state.withLockedValue { $0.networks[id] }
    }

    public func createNetwork(_ body: NetworkCreate, logger: Logger) async throws -> String {
        try state.withLockedValue { state in
            if state.networks[body.name] != nil { throw DockerError(status: 409, message: "network with name \(body.name) already exists") }
            let id = Self.engineID()
            state.networks[body.name] = NetworkInspect(id: id, name: body.name, labels: body.labels, ipam: body.ipam)
            return id
        }
    }

    public func removeNetwork(_ id: String, logger: Logger) async throws {
        state.withLockedValue { state in state.networks = state.networks.filter { $0.key != id && $0.value.id != id } }
    }

    public func listNetworks(withLabel label: String, logger: Logger) async throws -> [NetworkInspect] {
        state.withLockedValue { Array($0.networks.values.filter { $0.labels?[label] != nil }) }
    }

    public func connectNetwork(_ network: String, container: String, endpoint: EndpointSettings, logger: Logger) async throws {}

    public func disconnectNetwork(_ network: String, container: String, logger: Logger) async throws {}

    public func createVolume(name: String, labels: [String: String], logger: Logger) async throws {
        state.withLockedValue { $0.volumes[name] = VolumeInspect(name: name, labels: labels) }
    }

    public func removeVolume(_ name: String, logger: Logger) async throws {
        state.withLockedValue { _ = $0.volumes.removeValue(forKey: name) }
    }

    public func listVolumes(withLabel label: String, logger: Logger) async throws -> [VolumeInspect] {
        state.withLockedValue { Array($0.volumes.values.filter { $0.labels?[label] != nil }) }
    }

    /// Containers held, for benchmarks' checks.
    public var containerCount: Int { state.withLockedValue { $0.containers.count } }

    private func change(_ id: String, _ body: (inout Entry) throws -> Void) throws {
        try state.withLockedValue { state in
            guard var entry = Self.entry(id, in: state) else { throw DockerError(status: 404, message: "No such container: \(id)") }
            try body(&entry)
            state.containers[entry.id] = entry
        }
    }

    private static func entry(_ idOrName: String, in state: State) -> Entry? {
        if let entry = state.containers[idOrName] { return entry }
        let name = idOrName.hasPrefix("/") ? String(idOrName.dropFirst()) : idOrName
        return state.idsByName[name].flatMap { state.containers[$0] }
    }

    private static func exit(_ entry: inout Entry, code: Int) {
        guard entry.status == "running" || entry.status == "paused" else { return }
        entry.status = "exited"
        entry.exitCode = code
        entry.finishedAt = now()
    }

    private static func normalized(_ reference: String) -> String {
        reference.contains(":") ? reference : reference + ":latest"
    }

    private static func now() -> String {
        Date().formatted(.iso8601)
    }
}
