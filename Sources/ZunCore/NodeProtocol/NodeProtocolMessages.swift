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

/// The answer of `POST /node/v1/tasks/claim`.
public struct ClaimedTasks: Codable, Sendable {
    public var tasks: [ComputeTask]
    public init(tasks: [ComputeTask]) { self.tasks = tasks }
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
