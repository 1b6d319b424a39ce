/// A Docker image reference split into repository and tag, e.g. `127.0.0.1:5000/busybox:1`.
public struct ImageReference: Sendable, Equatable, CustomStringConvertible {
    /// Repository including any registry domain (`127.0.0.1:5000/busybox`).
    public var repository: String
    /// Tag, nil when the reference had none (Docker then means `latest`).
    public var tag: String?
    public var digest: String?

    /// Splits a reference the way Docker does: a `:` after the last `/` starts the tag.
    public init(parsing reference: String) {
        var rest = Substring(reference)
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
        }
        let lastSlash = rest.lastIndex(of: "/")
        let nameStart = lastSlash.map { rest.index(after: $0) } ?? rest.startIndex
        if let colon = rest[nameStart...].lastIndex(of: ":") {
            tag = String(rest[rest.index(after: colon)...])
            repository = String(rest[..<colon])
        } else {
            tag = nil
            repository = String(rest)
        }
    }

    /// The tag Docker will use.
    public var effectiveTag: String { tag ?? "latest" }

    public var description: String {
        if let digest { return "\(repository)@\(digest)" }
        return "\(repository):\(effectiveTag)"
    }
}

/// When to pull an image before creating a container.
public enum ImagePullPolicy: String, Sendable, Equatable {
    case always, ifNotPresent = "ifnotpresent", never

    /// Parses any case of `Always`, `IfNotPresent`, `Never`.
    public init?(caseInsensitive value: String) {
        self.init(rawValue: value.lowercased())
    }

    /// The policy for a container: the one given, else `Always` for a `latest` or missing tag and
    /// `IfNotPresent` otherwise, so hosts without internet can run local images.
    public static func effective(requested: String?, image: ImageReference) -> ImagePullPolicy {
        if let requested, let policy = ImagePullPolicy(caseInsensitive: requested) { return policy }
        if image.digest != nil { return .ifNotPresent }
        return image.effectiveTag == "latest" ? .always : .ifNotPresent
    }
}
