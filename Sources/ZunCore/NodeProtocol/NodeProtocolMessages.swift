/// Bodies of the node protocol's HTTP requests and answers (docs/node-protocol.md, "Endpoints").

/// The answer of `POST /node/v1/bootstrap` and `/credential/rotate`.
public struct NodeIdentity: Codable, Sendable, Equatable {
    public var host: String
    public var credential: String
    /// The key the API signs its calls to this node's endpoint with (nil when the API has no cluster key).
    public var nodeKey: String?

    public init(host: String, credential: String, nodeKey: String?) {
        self.host = host
        self.credential = credential
        self.nodeKey = nodeKey
    }

    enum CodingKeys: String, CodingKey {
        case host, credential
        case nodeKey = "node_key"
    }
}

/// The answer of `POST /node/v1/tasks/claim`: the tasks claimed, and the records of their containers as read
/// right after the claim, so that each task's handler starts from its record without asking for it
/// (docs/node-protocol.md, "Endpoints").
public struct ClaimedTasks: Codable, Sendable {
    public var tasks: [ComputeTask]
    /// The claimed tasks' containers placed on this host; one missing is gone (or moved), and its handler
    /// reads it to find that out.
    public var containers: [Container]
    /// Over HTTP, the networks of those containers' ports that the claim did not name as realized on the host
    /// (`TaskClaimRequest.realizedNetworks`): a host making its copy of a network for the first time needs the
    /// record, and would otherwise ask for it.
    public var networks: [Network]

    public init(tasks: [ComputeTask], containers: [Container] = [], networks: [Network] = []) {
        self.tasks = tasks
        self.containers = containers
        self.networks = networks
    }

    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        tasks = try values.decode([ComputeTask].self, forKey: .tasks)
        // An API replica of an earlier version sends no records.
        containers = try values.decodeIfPresent([Container].self, forKey: .containers) ?? []
        networks = try values.decodeIfPresent([Network].self, forKey: .networks) ?? []
    }

    /// The record claimed with `task`, if the answer carried it.
    public func container(of task: ComputeTask) -> Container? {
        containers.first { $0.uuid == task.containerUUID }
    }

    /// The networks the answer carried for a container's ports, by uuid.
    public func networks(of container: Container?) -> [String: Network] {
        let wanted = Set((container?.networks ?? []).map(\.networkUUID))
        return Dictionary(networks.filter { wanted.contains($0.uuid) }.map { ($0.uuid, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// The body of `POST /node/v1/reports`.
public struct ReportBatch: Codable, Sendable {
    public var reports: [NodeReport]
    public init(reports: [NodeReport]) { self.reports = reports }
    /// The most reports one request carries.
    public static let maximumReports = 512
}

/// The answer of `POST /node/v1/reports`: one outcome per report, in order.
public struct ReportOutcomes: Codable, Sendable {
    public var outcomes: [NodeReportOutcome]
    public init(outcomes: [NodeReportOutcome]) { self.outcomes = outcomes }
}
