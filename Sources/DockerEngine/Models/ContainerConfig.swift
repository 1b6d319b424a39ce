/// The body of `POST /containers/create`: container config plus host config.
public struct ContainerConfig: Encodable, Sendable {
    public var image: String
    public var cmd: [String]?
    public var entrypoint: [String]?
    public var env: [String]?
    public var workingDir: String?
    public var labels: [String: String]?
    public var tty: Bool?
    public var openStdin: Bool?
    public var attachStdin: Bool?
    public var hostname: String?
    public var exposedPorts: [String: Empty]?
    public var healthcheck: HealthConfig?
    public var hostConfig: HostConfig
    /// The endpoint (fixed addresses) on the network of `hostConfig.networkMode`.
    public var networkingConfig: NetworkingConfig?

    public init(image: String, hostConfig: HostConfig = HostConfig()) {
        self.image = image
        self.hostConfig = hostConfig
    }

    /// `{}` as Docker wants it in port maps.
    public struct Empty: Encodable, Sendable {
        public init() {}
    }

    public struct HealthConfig: Encodable, Sendable {
        public var test: [String]?
        /// Nanoseconds.
        public var interval: Int64?
        public var timeout: Int64?
        public var retries: Int?

        public init(test: [String]? = nil, interval: Int64? = nil, timeout: Int64? = nil, retries: Int? = nil) {
            self.test = test
            self.interval = interval
            self.timeout = timeout
            self.retries = retries
        }

        enum CodingKeys: String, CodingKey {
            case test = "Test"
            case interval = "Interval"
            case timeout = "Timeout"
            case retries = "Retries"
        }
    }

    enum CodingKeys: String, CodingKey {
        case image = "Image"
        case cmd = "Cmd"
        case entrypoint = "Entrypoint"
        case env = "Env"
        case workingDir = "WorkingDir"
        case labels = "Labels"
        case tty = "Tty"
        case openStdin = "OpenStdin"
        case attachStdin = "AttachStdin"
        case hostname = "Hostname"
        case exposedPorts = "ExposedPorts"
        case healthcheck = "Healthcheck"
        case hostConfig = "HostConfig"
        case networkingConfig = "NetworkingConfig"
    }
}

/// `HostConfig` of a container create.
public struct HostConfig: Encodable, Sendable {
    /// Bytes.
    public var memory: Int64?
    public var cpuPeriod: Int?
    public var cpuQuota: Int?
    public var cpuShares: Int?
    public var privileged: Bool?
    public var runtime: String?
    public var restartPolicy: RestartPolicy?
    public var autoRemove: Bool?
    public var portBindings: [String: [PortBinding]]?
    public var binds: [String]?
    public var networkMode: String?
    public var mounts: [Mount]?

    public init() {}

    public struct RestartPolicy: Encodable, Sendable {
        public var name: String
        public var maximumRetryCount: Int

        public init(name: String, maximumRetryCount: Int) {
            self.name = name
            self.maximumRetryCount = maximumRetryCount
        }

        enum CodingKeys: String, CodingKey {
            case name = "Name"
            case maximumRetryCount = "MaximumRetryCount"
        }
    }

    /// A named volume mounted into the container.
    public struct Mount: Encodable, Sendable {
        public var type = "volume"
        public var source: String
        public var target: String

        public init(volume: String, target: String) {
            self.source = volume
            self.target = target
        }

        enum CodingKeys: String, CodingKey {
            case type = "Type"
            case source = "Source"
            case target = "Target"
        }
    }

    public struct PortBinding: Encodable, Sendable {
        public var hostIP: String
        /// Empty means "any free port".
        public var hostPort: String

        public init(hostIP: String, hostPort: String = "") {
            self.hostIP = hostIP
            self.hostPort = hostPort
        }

        enum CodingKeys: String, CodingKey {
            case hostIP = "HostIp"
            case hostPort = "HostPort"
        }
    }

    enum CodingKeys: String, CodingKey {
        case memory = "Memory"
        case cpuPeriod = "CpuPeriod"
        case cpuQuota = "CpuQuota"
        case cpuShares = "CpuShares"
        case privileged = "Privileged"
        case runtime = "Runtime"
        case restartPolicy = "RestartPolicy"
        case autoRemove = "AutoRemove"
        case portBindings = "PortBindings"
        case binds = "Binds"
        case networkMode = "NetworkMode"
        case mounts = "Mounts"
    }
}
