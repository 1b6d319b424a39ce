import Foundation

/// Everything a compute agent asks of the control plane (docs/node-protocol.md, "The seam"). The agent's flows
/// see only this protocol; two transports carry it:
/// - `StoreControlPlane` (ZunStore) applies each call to the store in process: `zun dev` and the engine tests,
///   and, on the API replicas, the server side of the HTTP transport;
/// - `HTTPControlPlane` (ZunCompute) sends each call as JSON over HTTP to any API replica: `zun compute`.
///
/// A control plane is bound to one host: the host a call acts for is never an argument (NodeRestriction).
public protocol ControlPlane: Sendable {
    /// The host this control plane acts for.
    var host: String { get }

    /// Records the host's inventory and service and takes back tasks a previous run of the agent left claimed.
    func register(_ registration: NodeRegistration) async throws
    /// Updates the host's inventory (engine facts; the usage is the control plane's to compute).
    func reportInventory(_ inventory: ComputeNode) async throws
    /// Reports the host alive.
    func heartbeat(_ heartbeat: NodeHeartbeat) async throws

    /// Claims runnable tasks of the host, waiting up to `request.wait` for one when there is none; with them,
    /// their containers' records.
    func claimTasks(_ request: TaskClaimRequest) async throws -> ClaimedTasks
    /// Applies reports in order; each one's outcome, in the same order. A transport may carry several callers'
    /// reports in one request.
    func submit(_ reports: [NodeReport]) async throws -> [NodeReportOutcome]

    /// A container placed on this host; nil when it does not exist or is placed elsewhere.
    func container(uuid: String) async throws -> Container?
    /// Every container placed on this host.
    func containers() async throws -> [Container]
    /// Whether the container has a pending or running task.
    func hasUnfinishedTask(containerUUID: String) async throws -> Bool
    /// A network record (networks are global: any host may be asked to realize one).
    func network(uuid: String) async throws -> Network?
    /// Where the ports of an overlay network are on other hosts; empty unless this host has a container on it.
    func overlayPeers(networkUUID: String) async throws -> [OverlayPeer]
    /// A long-poll: returns when ports changed on a network this host realized, or after `waitSeconds` (at
    /// most `TaskClaimRequest.maximumWait`). Either way the caller re-reads its overlays' peers.
    func waitForOverlayChange(waitSeconds: Double) async throws
    /// A volume that is unplaced or placed on this host; nil otherwise.
    func volume(uuid: String) async throws -> Volume?
}

extension ControlPlane {
    /// Applies one report and returns its outcome's container, throwing its error.
    @discardableResult
    public func submit(_ report: NodeReport) async throws -> Container? {
        guard let outcome = try await submit([report]).first else {
            throw ZunError.internalError("the control plane answered no outcome for a report")
        }
        return try outcome.get()
    }
}

/// What an agent sends when it starts: its inventory and its service record's fields.
public struct NodeRegistration: Codable, Sendable, Equatable {
    public var inventory: ComputeNode
    public var heartbeat: NodeHeartbeat

    public init(inventory: ComputeNode, heartbeat: NodeHeartbeat) {
        self.inventory = inventory
        self.heartbeat = heartbeat
    }
}

/// A heartbeat: the service record's fields the agent owns.
public struct NodeHeartbeat: Codable, Sendable, Equatable {
    public var availabilityZone: String
    /// URL of the agent's node-local endpoint (nil in `zun dev`).
    public var endpoint: String?

    public init(availabilityZone: String, endpoint: String?) {
        self.availabilityZone = availabilityZone
        self.endpoint = endpoint
    }

    enum CodingKeys: String, CodingKey {
        case availabilityZone = "availability_zone"
        case endpoint
    }
}

/// A claim of tasks: the free slots of each lane, who claims, for how long, and how long to wait for work.
public struct TaskClaimRequest: Codable, Sendable, Equatable {
    /// Free slots per lane; only lanes with a free slot are claimed from, and at most that many tasks each.
    public var slots: [ComputeTask.Lane: Int]
    /// The claiming runner (`host/xxxxxxxx`), recorded as the tasks' lease owner.
    public var owner: String
    /// Seconds a claimed task stays this runner's before another may take it.
    public var leaseSeconds: Double
    /// Seconds to wait for a task when none is runnable (a long-poll); 0 answers at once.
    public var waitSeconds: Double
    /// Tasks this runner is running now. With `recover`, tasks leased to `owner` and not in this list are
    /// claimed again: an earlier claim's answer was lost on its way (a replica died mid-answer).
    public var running: [Int64]
    public var recover: Bool
    /// The networks this host has its own copy of. Over HTTP the answer carries the records of the claimed
    /// containers' other networks, which the host would otherwise ask for; nil (an agent of an earlier
    /// version) carries none.
    public var realizedNetworks: [String]?

    public init(
        slots: [ComputeTask.Lane: Int], owner: String, leaseSeconds: Double, waitSeconds: Double,
        running: [Int64] = [], recover: Bool = false, realizedNetworks: [String]? = nil
    ) {
        self.slots = slots
        self.owner = owner
        self.leaseSeconds = leaseSeconds
        self.waitSeconds = waitSeconds
        self.running = running
        self.recover = recover
        self.realizedNetworks = realizedNetworks
    }

    /// The most a claim may wait, so that a proxy or a load balancer does not cut the request.
    public static let maximumWait: Double = 25
    /// The most tasks one claim takes.
    public static let maximumBatch = 64
}
