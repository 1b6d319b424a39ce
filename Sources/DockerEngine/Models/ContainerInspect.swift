/// The parts of `GET /containers/{id}/json` we use.
public struct ContainerInspect: Decodable, Sendable {
    public var id: String
    public var name: String?
    public var state: State?
    public var config: Config?
    public var networkSettings: NetworkSettings?

    public struct State: Decodable, Sendable, Equatable {
        public var status: String?
        public var running: Bool?
        public var paused: Bool?
        public var restarting: Bool?
        public var dead: Bool?
        public var exitCode: Int?
        public var error: String?
        public var startedAt: String?
        public var finishedAt: String?

        public init(
            status: String? = nil, running: Bool? = nil, paused: Bool? = nil, restarting: Bool? = nil, dead: Bool? = nil,
            exitCode: Int? = nil, error: String? = nil, startedAt: String? = nil, finishedAt: String? = nil
        ) {
            self.status = status
            self.running = running
            self.paused = paused
            self.restarting = restarting
            self.dead = dead
            self.exitCode = exitCode
            self.error = error
            self.startedAt = startedAt
            self.finishedAt = finishedAt
        }

        enum CodingKeys: String, CodingKey {
            case status = "Status"
            case running = "Running"
            case paused = "Paused"
            case restarting = "Restarting"
            case dead = "Dead"
            case exitCode = "ExitCode"
            case error = "Error"
            case startedAt = "StartedAt"
            case finishedAt = "FinishedAt"
        }
    }

    public struct Config: Decodable, Sendable {
        public var hostname: String?
        public var exposedPorts: [String: Empty]?
        public var cmd: [String]?
        public var entrypoint: [String]?
        public var labels: [String: String]?
        public var tty: Bool?

        public struct Empty: Decodable, Sendable {}

        enum CodingKeys: String, CodingKey {
            case hostname = "Hostname"
            case exposedPorts = "ExposedPorts"
            case cmd = "Cmd"
            case entrypoint = "Entrypoint"
            case labels = "Labels"
            case tty = "Tty"
        }
    }

    public struct NetworkSettings: Decodable, Sendable {
        public var networks: [String: Network]?
        public var ports: [String: [PortBinding]?]?

        public struct Network: Decodable, Sendable {
            public var ipAddress: String?
            public var globalIPv6Address: String?
            public var networkID: String?

            enum CodingKeys: String, CodingKey {
                case ipAddress = "IPAddress"
                case globalIPv6Address = "GlobalIPv6Address"
                case networkID = "NetworkID"
            }
        }

        public struct PortBinding: Decodable, Sendable {
            public var hostIP: String?
            public var hostPort: String?

            enum CodingKeys: String, CodingKey {
                case hostIP = "HostIp"
                case hostPort = "HostPort"
            }
        }

        enum CodingKeys: String, CodingKey {
            case networks = "Networks"
            case ports = "Ports"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case name = "Name"
        case state = "State"
        case config = "Config"
        case networkSettings = "NetworkSettings"
    }
}

/// One row of `GET /containers/json`.
public struct ContainerSummary: Decodable, Sendable {
    public var id: String
    public var names: [String]?
    public var labels: [String: String]?
    public var state: String?
    public var status: String?

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case names = "Names"
        case labels = "Labels"
        case state = "State"
        case status = "Status"
    }
}
