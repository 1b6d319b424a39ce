/// A container healthcheck as Zun stores it; `interval` and `timeout` are seconds.
public struct Healthcheck: Codable, Sendable, Equatable {
    public var test: String?
    public var interval: Int?
    public var retries: Int?
    public var timeout: Int?

    public init(test: String? = nil, interval: Int? = nil, retries: Int? = nil, timeout: Int? = nil) {
        self.test = test
        self.interval = interval
        self.retries = retries
        self.timeout = timeout
    }
}
