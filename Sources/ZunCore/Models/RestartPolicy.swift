/// Docker's restart policy as Zun stores it: the count is a string (docs/zun-compatibility.md, "Create").
public struct RestartPolicy: Codable, Sendable, Equatable {
    public var name: String
    public var maximumRetryCount: String

    enum CodingKeys: String, CodingKey {
        case name = "Name"
        case maximumRetryCount = "MaximumRetryCount"
    }

    public init(name: String, maximumRetryCount: String = "0") {
        self.name = name
        self.maximumRetryCount = maximumRetryCount
    }

    public static let names: Set<String> = ["no", "always", "on-failure", "unless-stopped"]

    /// Zun's `check_for_restart_policy`: default the count to 0, force 0 for `no`,
    /// reject a non-zero count for `always` and `unless-stopped`.
    public static func normalized(name: String, maximumRetryCount: String?) throws -> RestartPolicy {
        var count = maximumRetryCount ?? "0"
        switch name {
        case "always", "unless-stopped":
            if (Int(count) ?? 0) != 0 {
                throw ZunError.invalidValue(
                    "maximum retry count not valid with restart policy of \(name)"
                )
            }
        case "no":
            count = "0"
        default:
            break
        }
        return RestartPolicy(name: name, maximumRetryCount: count)
    }
}
