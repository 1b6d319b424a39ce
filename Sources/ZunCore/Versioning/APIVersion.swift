/// A container API microversion such as `1.40`, compared numerically (`1.9 < 1.10`).
public struct APIVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    public static let minimum = APIVersion(1, 1)
    public static let maximum = APIVersion(1, 40)

    public static func < (lhs: APIVersion, rhs: APIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    public var description: String { "\(major).\(minor)" }

    /// Parses `"1.40"`; nil for anything that is not `<int>.<int>`.
    public init?(string: some StringProtocol) {
        let parts = string.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]),
              parts[0].allSatisfy(\.isNumber), parts[1].allSatisfy(\.isNumber)
        else { return nil }
        self.init(major, minor)
    }
}

/// Reads the `OpenStack-API-Version` request header the way Zun does (docs/zun-compatibility.md, "API versions").
public enum APIVersionNegotiation {
    public static let headerName = "OpenStack-API-Version"
    public static let minimumHeaderName = "OpenStack-API-Minimum-Version"
    public static let maximumHeaderName = "OpenStack-API-Maximum-Version"
    public static let serviceType = "container"

    /// The version a request asked for. A missing header means the minimum (1.1), like Zun.
    /// - Throws: `ZunError` 406 for a malformed header or a version outside 1.1–1.40.
    public static func negotiate(header: String?) throws -> APIVersion {
        guard let header else { return .minimum }
        let tokens = header.split(whereSeparator: \.isWhitespace)
        guard tokens.count == 2, tokens[0].lowercased() == serviceType else {
            throw notAcceptable("Invalid service type for \(headerName) header: \(header)")
        }
        if tokens[1].lowercased() == "latest" { return .maximum }
        guard let version = APIVersion(string: tokens[1]) else {
            throw notAcceptable("Invalid value for \(headerName) header: \(header)")
        }
        if version.major != 1 {
            throw unsupported(
                "Mutually exclusive versions requested. Version \(version) requested but not supported by this service. The supported version range is: [\(serviceType) \(APIVersion.minimum), \(serviceType) \(APIVersion.maximum)].",
                requested: version
            )
        }
        if version < .minimum || version > .maximum {
            throw unsupported(
                "Version \(version) was requested but the minor version is not supported by this service. The supported version range is: [\(serviceType) \(APIVersion.minimum), \(serviceType) \(APIVersion.maximum)].",
                requested: version
            )
        }
        return version
    }

    /// The three version headers plus `Vary`, sent on every /v1 response.
    public static func responseHeaders(for version: APIVersion) -> [String: String] {
        [
            headerName: "\(serviceType) \(version)",
            minimumHeaderName: "\(serviceType) \(APIVersion.minimum)",
            maximumHeaderName: "\(serviceType) \(APIVersion.maximum)",
            "Vary": headerName,
        ]
    }

    /// 406 for an endpoint that exists but not at this version (e.g. hosts below 1.4).
    public static func notSupported(_ version: APIVersion) -> ZunError {
        var error = unsupported("The requested version (\(version)) is not supported by this API.", requested: version)
        error.title = "Not Acceptable"
        return error
    }

    /// Throws a 406 naming `action` and the versions that have it unless `requested` is among them.
    public static func require(_ action: String, from first: APIVersion = .minimum, to last: APIVersion = .maximum, requested: APIVersion) throws {
        guard requested < first || requested > last else { return }
        let range = last == .maximum ? "from API version \(first) on" : "in API versions \(first) to \(last)"
        var error = unsupported("\(action) is available \(range); this request asked for \(requested).", requested: requested)
        error.title = "Not Acceptable"
        throw error
    }

    private static func notAcceptable(_ message: String) -> ZunError {
        ZunError(.notAcceptable, code: "", message: message, title: "Not Acceptable")
    }

    private static func unsupported(_ message: String, requested: APIVersion) -> ZunError {
        ZunError(
            .notAcceptable, code: "", message: message, headers: responseHeaders(for: requested),
            title: "Requested microversion is unsupported"
        )
    }
}
