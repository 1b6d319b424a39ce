/// Removes the compute host's own paths (the engine's data root, its volume and overlay directories) from
/// text a tenant will read, such as `status_reason`: they describe the host, not the container. The agent's
/// log keeps the full text.
public struct HostPathRedaction: Sendable, Equatable {
    /// Path prefixes that belong to the host.
    public var prefixes: [String]

    /// Engine and runtime directories of a stock installation; the agent adds its engine's data root.
    public static let defaultPrefixes = [
        "/var/lib/docker", "/var/lib/containerd", "/run/containerd", "/run/docker", "/var/run/docker", "/run/runc",
    ]

    public init(prefixes: [String] = HostPathRedaction.defaultPrefixes) {
        self.prefixes = prefixes
    }

    /// `text` with every path under one of `prefixes` replaced by `<host path>`. A path runs until a space,
    /// quote, colon or comma.
    public func redact(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let (range, _) = firstPrefix(in: rest) {
            result += rest[..<range.lowerBound]
            result += "<host path>"
            var end = range.upperBound
            while end < rest.endIndex, !" \t\n'\"`:,;()[]".contains(rest[end]) { end = rest.index(after: end) }
            rest = rest[end...]
        }
        return result + rest
    }

    private func firstPrefix(in text: Substring) -> (Range<Substring.Index>, String)? {
        prefixes.filter { !$0.isEmpty }.compactMap { prefix in text.range(of: prefix).map { ($0, prefix) } }
            .min { $0.0.lowerBound < $1.0.lowerBound }
    }
}
