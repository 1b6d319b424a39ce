/// The wire contract between the API and a compute agent's node-local endpoint.
public enum NodeCallProtocol {
    /// Header carrying the node's own key (`NodeKeys`: derived from the cluster key for this host only).
    public static let tokenHeader = "X-Zun-Node-Token"

    /// Path of a container's node-local call (`logs`, `top`, `stats`, `update`) on the agent.
    public static func path(_ uuid: String, _ call: String) -> String { "/node/v1/containers/\(uuid)/\(call)" }

    /// Query items of `LogOptions`.
    public static func query(_ options: LogOptions) -> [(String, String)] {
        var items = [
            ("stdout", String(options.stdout)), ("stderr", String(options.stderr)), ("timestamps", String(options.timestamps)),
        ]
        if let tail = options.tail { items.append(("tail", String(tail))) }
        if let since = options.since { items.append(("since", String(since))) }
        return items
    }

    /// Reads `LogOptions` back from query items.
    public static func options(_ value: (String) -> String?) -> LogOptions {
        LogOptions(
            stdout: value("stdout") != "false", stderr: value("stderr") != "false", timestamps: value("timestamps") == "true",
            tail: value("tail").flatMap(Int.init), since: value("since").flatMap(Int.init)
        )
    }

    /// The body of an error answer: the `ZunError` to rethrow on the API side.
    public struct ErrorBody: Codable, Sendable {
        public var status: Int
        public var code: String
        public var message: String

        public init(status: Int, code: String, message: String) {
            self.status = status
            self.code = code
            self.message = message
        }
    }

    /// The shortest node secret a role accepts at start.
    public static let minimumSecretLength = 16

    /// Compares secrets in time independent of where they differ. An empty or short secret matches nothing,
    /// so a misconfigured endpoint fails closed.
    public static func tokensMatch(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count, y.count >= minimumSecretLength else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
