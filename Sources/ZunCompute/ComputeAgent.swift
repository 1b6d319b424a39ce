import DockerEngine
import Foundation
import Logging
import NIOConcurrencyHelpers
import ZunCore
import ZunStore

/// The compute agent of one Docker host: registers the host, heartbeats, runs its tasks and keeps the records
/// in step with the engine. It reaches the records only through its `ControlPlane` (docs/node-protocol.md): the
/// store in process (`zun dev`), or the API replicas over HTTP (`zun compute`). Its loops are `Service`s
/// (`services`), so a `ServiceGroup` runs and stops them.
public struct ComputeAgent: Sendable {
    public struct Configuration: Sendable {
        public var hostName: String
        public var availabilityZone: String
        public var heartbeatInterval: Duration
        public var syncInterval: Duration
        /// How long a claimed task stays ours before another runner may take it.
        public var taskLease: TimeInterval
        /// Tasks run at once on this host (each on a different container).
        public var maxConcurrentTasks: Int
        public var publishHost: String
        /// URL of this agent's node-local endpoint, advertised on its service record (nil in `zun dev`).
        public var endpoint: String?
        /// How long an idle task runner waits for a wake-up before it looks for tasks again anyway.
        public var idlePollInterval: Duration = .seconds(1)
        /// How long one claim waits for a task while every lane has room (the long-poll of the node protocol;
        /// a wake-up ends it early). The idle poll interval unless set.
        public var claimWait: Duration {
            get { claimWaitOverride ?? idlePollInterval }
            set { claimWaitOverride = newValue }
        }
        private var claimWaitOverride: Duration?
        /// How long the state sync spends on one container before it carries on without it.
        public var syncContainerTimeout: Duration = .seconds(20)
        /// How long an image pull may take before the operation that needs it fails (a registry that
        /// accepts connections and never answers must not hold a task for ever).
        public var imagePullTimeout: Duration = .seconds(600)
        /// This host's part in overlay networks (nil: its networks stay on this host, as in `zun dev`).
        public var overlay: HostOverlay.Configuration?
        /// How often a change of the container counts alone is sent with the inventory (Zun's periodic resource
        /// update runs every 60 s); a change of capacity is sent at the next heartbeat.
        public var inventoryCountsInterval: TimeInterval = 60
        /// How long a task's progress reports may wait to travel with its next report (`ReportOutbox`): the
        /// longest a task state or event shows late, and what lets a quick create and start be one write. An
        /// image pull sends them at its start; this bounds the rest. 200 ms split a quick task's reports in two
        /// on a saturated host, where awaits alone take that long (BENCHMARKS.md, "eighth pass").
        public var reportLinger: Duration = .seconds(2)

        public init(
            hostName: String, availabilityZone: String = "nova", heartbeatInterval: Duration = .seconds(5),
            syncInterval: Duration = .seconds(10), taskLease: TimeInterval = 300, maxConcurrentTasks: Int = 8,
            publishHost: String = "127.0.0.1", endpoint: String? = nil
        ) {
            self.endpoint = endpoint
            self.hostName = hostName
            self.availabilityZone = availabilityZone
            self.heartbeatInterval = heartbeatInterval
            self.syncInterval = syncInterval
            self.taskLease = taskLease
            self.maxConcurrentTasks = maxConcurrentTasks
            self.publishHost = publishHost
        }
    }

    public let configuration: Configuration
    /// Everything the agent reads and reports, for this host only.
    public let controlPlane: any ControlPlane
    /// The engine the task path drives: Docker, or a `HollowEngine` in scale benchmarks.
    public let engine: any ContainerEngine
    /// Answers the API's node-local calls (logs, exec, archives, consoles) for containers on this host.
    public let nodeLocalCalls: any NodeLocalCalls
    /// This host's copies of network records.
    public let networks: HostNetworks
    /// Wall-clock time of records: timestamps, leases.
    public let clock: any WallClock
    /// Host paths kept out of what tenants read (`status_reason`); the engine's data root is added at start.
    let redaction = NIOLockedValueBox(HostPathRedaction())
    /// The inventory last sent and when, so that an unchanged one is not sent again.
    let lastInventory = NIOLockedValueBox<(node: ComputeNode, at: Date)?>(nil)
    /// Claims that found work only because a wait ran out (a lost wake-up): the idle poll is a safety net, and
    /// this should stay zero (BENCHMARKS.md).
    public let idlePollFinds = NIOLockedValueBox(0)
    public let logger: Logger

    public init(
        configuration: Configuration, controlPlane: any ControlPlane, engine: any ContainerEngine, nodeLocalCalls: any NodeLocalCalls,
        clock: any WallClock = SystemWallClock(), logger: Logger
    ) {
        precondition(controlPlane.host == configuration.hostName, "an agent's control plane acts for its own host")
        self.configuration = configuration
        self.clock = clock
        self.controlPlane = controlPlane
        self.engine = engine
        self.nodeLocalCalls = nodeLocalCalls
        var logger = logger
        logger[metadataKey: LogKey.host] = "\(configuration.hostName)"
        self.logger = logger
        self.networks = HostNetworks(
            engine: engine, controlPlane: controlPlane, hostName: configuration.hostName,
            overlay: configuration.overlay.map { HostOverlay(configuration: $0, controlPlane: controlPlane, logger: logger) }, logger: logger
        )
    }

    /// An agent on the store in process (`zun dev`, engine tests, the in-process hollow fleet).
    public init(
        configuration: Configuration, store: any ZunStore, engine: any ContainerEngine, nodeLocalCalls: any NodeLocalCalls,
        clock: any WallClock = SystemWallClock(), logger: Logger
    ) {
        self.init(
            configuration: configuration,
            controlPlane: StoreControlPlane(host: configuration.hostName, store: store, clock: clock, logger: logger),
            engine: engine, nodeLocalCalls: nodeLocalCalls, clock: clock, logger: logger
        )
    }

    /// An agent of a Docker engine. `engine` replaces the engine of the task path and the sync (tests that
    /// inject faults in front of the real engine); node-local calls always go to `docker`.
    public init(configuration: Configuration, store: any ZunStore, docker: DockerClient, engine: (any ContainerEngine)? = nil, logger: Logger) {
        self.init(
            configuration: configuration, store: store, engine: engine ?? docker,
            nodeLocalCalls: LocalNodeCalls(docker: docker, logger: logger), logger: logger
        )
    }

    /// An agent of a Docker engine on any control plane (`zun compute`: the API replicas over HTTP).
    public init(configuration: Configuration, controlPlane: any ControlPlane, docker: DockerClient, logger: Logger) {
        self.init(
            configuration: configuration, controlPlane: controlPlane, engine: docker,
            nodeLocalCalls: LocalNodeCalls(docker: docker, logger: logger), logger: logger
        )
    }

    /// Records this host's compute node and service, and takes back tasks a previous run left claimed.
    public func register() async throws {
        let node = try await inventory()
        try await controlPlane.register(NodeRegistration(inventory: node, heartbeat: heartbeatBody))
        // Registration carried the inventory: the first refresh need not send it again.
        lastInventory.withLockedValue { $0 = (node, clock.now) }
        try await reconcile()
        try await recoverStrandedContainers()
        logger.info("compute host registered")
    }

    /// Removes engine containers this host made whose records were deleted, or moved to another host,
    /// while it was away. The periodic sync then brings the remaining records in line with the engine.
    public func reconcile() async throws {
        let mine = try await engine.listContainers(
            withLabel: "\(ContainerSpecBuilder.hostLabel)=\(configuration.hostName)", logger: logger
        )
        for engineContainer in mine {
            guard let uuid = engineContainer.labels?[ContainerSpecBuilder.uuidLabel] else { continue }
            // Nil for a record that is gone or placed on another host (the control plane shows only ours).
            if try await controlPlane.container(uuid: uuid) == nil {
                logger.notice("removing an engine container the store no longer gives this host", metadata: [LogKey.containerUUID: "\(uuid)"])
                try await engine.removeContainer(engineContainer.id, force: true, logger: logger)
            }
        }
        await networks.removeOrphans()
        await networks.restoreOverlays()
    }

    /// Reports this host alive on its `zun-compute` service record.
    func heartbeat() async throws {
        try await controlPlane.heartbeat(heartbeatBody)
    }

    var heartbeatBody: NodeHeartbeat {
        NodeHeartbeat(availabilityZone: configuration.availabilityZone, endpoint: configuration.endpoint)
    }

    /// Sends the engine's `/info` as the host's inventory when it changed since it was last sent. The container
    /// counts change with every container but place nothing (they are shown by `host show`), so a change of
    /// them alone waits for `inventoryCountsInterval`: otherwise every create would rewrite its host's node
    /// record and make every API replica's host cache read it again.
    public func refreshInventory() async throws {
        let node = try await inventory()
        let now = clock.now
        if let last = lastInventory.withLockedValue({ $0 }) {
            if last.node == node { return }
            if last.node.withoutCounts == node.withoutCounts, now.timeIntervalSince(last.at) < configuration.inventoryCountsInterval { return }
        }
        try await controlPlane.reportInventory(node)
        lastInventory.withLockedValue { $0 = (node, now) }
    }

    /// The engine's `/info` as a compute node record (the control plane keeps the record's uuid and usage).
    func inventory() async throws -> ComputeNode {
        let info = try await engine.info(logger: logger)
        if let root = info.dockerRootDir, root.hasPrefix("/") {
            // The data root and its parent (where a private engine keeps its exec root too).
            let parent = (root as NSString).deletingLastPathComponent
            redaction.withLockedValue { $0.prefixes = HostPathRedaction.defaultPrefixes + [root] + (parent.count > 1 ? [parent] : []) }
        }
        var node = ComputeNode(uuid: "", hostname: configuration.hostName)
        node.underlayAddress = configuration.overlay?.underlayAddress
        node.cpus = info.ncpu
        node.memTotal = Int(info.memTotal / (1024 * 1024))
        node.architecture = info.architecture
        node.osType = info.osType
        node.os = info.operatingSystem
        node.kernelVersion = info.kernelVersion
        let runtimes = (info.runtimes?.keys).map { Array($0).sorted() } ?? []
        node.runtimes = runtimes.isEmpty ? ["runc"] : runtimes
        node.totalContainers = info.containers ?? 0
        node.runningContainers = info.containersRunning ?? 0
        node.diskTotal = Self.diskTotalGB(path: info.dockerRootDir)
        // overlay2 on a plain filesystem has no per-container disk quota.
        node.diskQuotaSupported = false
        return node
    }

    static func diskTotalGB(path: String?) -> Int {
        guard let path, let attributes = try? FileManager.default.attributesOfFileSystem(forPath: path),
              let size = attributes[.systemSize] as? NSNumber
        else { return 0 }
        return Int(size.int64Value / (1 << 30))
    }

    /// The agent's loops, in start order.
    public var services: [any ServiceLifecycleService] {
        [HeartbeatService(agent: self), TaskRunnerService(agent: self), StateSyncService(agent: self)]
            + (networks.overlay.map { [OverlayService(overlay: $0, controlPlane: controlPlane, logger: logger)] } ?? [])
    }

}

extension ComputeNode {
    /// The record without its container counts: what placement depends on.
    var withoutCounts: ComputeNode {
        var node = self
        node.totalContainers = 0
        node.runningContainers = 0
        return node
    }
}
