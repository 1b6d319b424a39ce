/// Zun's LabelFilter: every `label:<k>` hint with value v needs the host label k to equal v.
public struct LabelFilter: HostFilter {
    public static let name = "LabelFilter"
    public init() {}

    public func passes(_ host: HostState, _ request: SchedulingRequest) -> Bool {
        request.hints.allSatisfy { key, value in
            guard key.hasPrefix("label:") else { return true }
            return host.labels[String(key.dropFirst("label:".count))] == value
        }
    }
}
