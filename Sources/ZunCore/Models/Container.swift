import Foundation

/// A container record: what the user asked for and what the compute host made of it.
///
/// Field names follow Zun's `container` table; the API view (docs/zun-compatibility.md, "The container view") is derived from it.
public struct Container: Codable, Sendable, Equatable {
    public var uuid: String
    public var name: String
    public var projectID: String
    public var userID: String
    public var image: String
    public var command: [String]?
    public var entrypoint: [String]?
    public var cpu: Double
    /// Megabytes, as a string like Zun (`"512"`).
    public var memory: String
    public var disk: Int?
    public var cpuPolicy: String?
    public var workdir: String?
    public var labels: [String: String]
    public var environment: [String: String]
    public var restartPolicy: RestartPolicy?
    public var interactive: Bool
    public var tty: Bool
    public var imagePullPolicy: String?
    public var imageDriver: String
    public var securityGroups: [String]
    public var runtime: String?
    public var hostname: String?
    public var autoRemove: Bool
    public var autoHeal: Bool
    public var privileged: Bool
    public var healthcheck: Healthcheck?
    /// Normalised keys `<port>/<proto>`.
    public var exposedPorts: [String: [String: String]]?
    public var availabilityZone: String?
    public var hints: [String: String]?
    public var registryID: String?
    /// The host an admin pinned the container to (`host`, 1.39+); such a container is never moved.
    public var requestedHost: String?
    /// The `nets` of the create request, as given.
    public var requestedNetworks: [[String: String]]?
    /// The networks the container is on (first one at create, others connected after), with their ports.
    public var networks: [NetworkAttachment]?
    /// Volumes and injected files (`mounts`).
    public var mounts: [VolumeAttachment]?

    public var status: ContainerStatus
    public var statusReason: String?
    public var statusDetail: String?
    public var taskState: ContainerTaskState?
    public var host: String?
    /// The Docker container id once created.
    public var containerID: String?
    public var ports: [Int]?
    public var addresses: [String: [ContainerAddress]]?
    public var startedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date?

    public init(
        uuid: String, name: String, projectID: String, userID: String, image: String,
        cpu: Double, memory: String, createdAt: Date, status: ContainerStatus = .creating
    ) {
        self.uuid = uuid
        self.name = name
        self.projectID = projectID
        self.userID = userID
        self.image = image
        self.cpu = cpu
        self.memory = memory
        self.labels = [:]
        self.environment = [:]
        self.interactive = false
        self.tty = false
        self.imageDriver = "docker"
        self.securityGroups = []
        self.autoRemove = false
        self.autoHeal = false
        self.privileged = false
        self.status = status
        self.createdAt = createdAt
    }

    /// The Docker container name: `zun-<uuid>`, so a retried create finds what an earlier try made.
    public var dockerName: String { "zun-\(uuid)" }

    /// Memory in MB as a number (0 when unparsable).
    public var memoryMB: Int { Int(memory) ?? 0 }
}

/// One address of a container on a network, in Zun's `addresses` shape.
public struct ContainerAddress: Codable, Sendable, Equatable {
    public var addr: String
    public var version: Int
    public var port: String?
    public var subnetID: String?
    public var preserveOnDelete: Bool

    enum CodingKeys: String, CodingKey {
        case addr, version, port
        case subnetID = "subnet_id"
        case preserveOnDelete = "preserve_on_delete"
    }

    public init(addr: String, version: Int, port: String? = nil, subnetID: String? = nil, preserveOnDelete: Bool = false) {
        self.addr = addr
        self.version = version
        self.port = port
        self.subnetID = subnetID
        self.preserveOnDelete = preserveOnDelete
    }
}
