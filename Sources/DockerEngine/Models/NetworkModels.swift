/// `GET /networks/{id}` and list rows (the fields we read).
public struct NetworkInspect: Decodable, Sendable {
    public var id: String
    public var name: String
    public var driver: String?
    public var labels: [String: String]?
    public var ipam: IPAM?
    public var enableIPv6: Bool?

    public init(id: String, name: String, labels: [String: String]?, ipam: IPAM?) {
        self.id = id
        self.name = name
        self.driver = "bridge"
        self.labels = labels
        self.ipam = ipam
    }

    public struct IPAM: Codable, Sendable {
        public var driver: String?
        public var config: [IPAMConfig]?

        public init(driver: String? = "default", config: [IPAMConfig]) {
            self.driver = driver
            self.config = config
        }

        enum CodingKeys: String, CodingKey {
            case driver = "Driver"
            case config = "Config"
        }
    }

    public struct IPAMConfig: Codable, Sendable {
        public var subnet: String?
        public var gateway: String?

        public init(subnet: String?, gateway: String?) {
            self.subnet = subnet
            self.gateway = gateway
        }

        enum CodingKeys: String, CodingKey {
            case subnet = "Subnet"
            case gateway = "Gateway"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case name = "Name"
        case driver = "Driver"
        case labels = "Labels"
        case ipam = "IPAM"
        case enableIPv6 = "EnableIPv6"
    }
}

/// The body of `POST /networks/create`.
public struct NetworkCreate: Encodable, Sendable {
    public var name: String
    /// Refuse a second network with the same name (the engine's own duplicate check).
    public var checkDuplicate: Bool = true
    public var driver: String = "bridge"
    public var enableIPv6: Bool
    public var ipam: NetworkInspect.IPAM
    public var labels: [String: String]
    /// Driver options (the bridge's name and MTU, for an overlay's bridge).
    public var options: [String: String]?

    public init(name: String, enableIPv6: Bool, ipam: NetworkInspect.IPAM, labels: [String: String], options: [String: String]? = nil) {
        self.name = name
        self.enableIPv6 = enableIPv6
        self.ipam = ipam
        self.labels = labels
        self.options = options
    }

    enum CodingKeys: String, CodingKey {
        case name = "Name"
        case checkDuplicate = "CheckDuplicate"
        case driver = "Driver"
        case enableIPv6 = "EnableIPv6"
        case ipam = "IPAM"
        case labels = "Labels"
        case options = "Options"
    }
}

/// A container's endpoint on one network: the addresses it asks for.
public struct EndpointSettings: Encodable, Sendable {
    public var ipamConfig: EndpointIPAMConfig?

    public init(ipv4: String?, ipv6: String?) {
        ipamConfig = ipv4 == nil && ipv6 == nil ? nil : EndpointIPAMConfig(ipv4Address: ipv4, ipv6Address: ipv6)
    }

    public struct EndpointIPAMConfig: Encodable, Sendable {
        public var ipv4Address: String?
        public var ipv6Address: String?

        enum CodingKeys: String, CodingKey {
            case ipv4Address = "IPv4Address"
            case ipv6Address = "IPv6Address"
        }
    }

    enum CodingKeys: String, CodingKey {
        case ipamConfig = "IPAMConfig"
    }
}

/// `NetworkingConfig` of a container create: the endpoint of the network it starts on.
public struct NetworkingConfig: Encodable, Sendable {
    public var endpointsConfig: [String: EndpointSettings]

    public init(endpointsConfig: [String: EndpointSettings]) {
        self.endpointsConfig = endpointsConfig
    }

    enum CodingKeys: String, CodingKey {
        case endpointsConfig = "EndpointsConfig"
    }
}

/// `GET /volumes/{name}` (the fields we read).
public struct VolumeInspect: Decodable, Sendable {
    public var name: String
    public var labels: [String: String]?
    public var mountpoint: String?

    public init(name: String, labels: [String: String]?) {
        self.name = name
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey {
        case name = "Name"
        case labels = "Labels"
        case mountpoint = "Mountpoint"
    }
}
