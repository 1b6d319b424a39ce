import Foundation

/// A container network: a record owned by a project that every compute host realizes on its own Docker
/// engine, lazily, as a bridge network with this subnet (docs/architecture.md, "Networks"). There is no cluster store and
/// no cross-host sync: the record is the only shared truth, and each host converges on it.
public struct Network: Codable, Sendable, Equatable {
    public var uuid: String
    public var name: String
    public var projectID: String
    public var userID: String
    /// Visible to (and usable by) every project.
    public var shared: Bool
    public var subnets: [Subnet]
    /// The VXLAN network identifier of the network's overlay between hosts (docs/architecture.md, "Networks"):
    /// given by the store when the record is written, unique among networks; nil only before that.
    public var vni: Int?
    public var createdAt: Date
    public var updatedAt: Date?

    public init(
        uuid: String, name: String, projectID: String, userID: String, shared: Bool = false,
        subnets: [Subnet] = [], createdAt: Date
    ) {
        self.uuid = uuid
        self.name = name
        self.projectID = projectID
        self.userID = userID
        self.shared = shared
        self.subnets = subnets
        self.createdAt = createdAt
    }

    /// The name of the Docker network on every host: the same everywhere, so any host finds its copy.
    public var dockerName: String { Self.dockerName(uuid) }
    public static func dockerName(_ uuid: String) -> String { "zun-net-\(uuid)" }
    /// Labels on the engine's network, tying it to the record.
    public static let uuidLabel = "zun.network.uuid"

    public var ipv4: Subnet? { subnets.first { $0.ipVersion == 4 } }
    public var ipv6: Subnet? { subnets.first { $0.ipVersion == 6 } }

    /// The largest VNI VXLAN can carry (24 bits).
    public static let maximumVNI = (1 << 24) - 1
}

/// A port of an overlay network on another host, as a host programs it into its VXLAN device: the container's
/// address and MAC, and the underlay address of the host it is on (docs/architecture.md, "Networks").
public struct OverlayPeer: Codable, Sendable, Equatable, Hashable {
    public var ipv4: String
    public var mac: String
    public var underlay: String

    public init(ipv4: String, mac: String, underlay: String) {
        self.ipv4 = ipv4
        self.mac = mac
        self.underlay = underlay
    }

    /// The MAC of a container's interface with address `ipv4` on an overlay network: 02:42 and the four bytes of
    /// the address, as Docker's bridge driver derives it. Fixed by the address, so a container that takes over
    /// an address (on another host, say) keeps the MAC its peers' neighbour entries already hold; only the
    /// forwarding entry moves.
    public static func mac(ipv4: String) -> String? {
        guard let address = IPv4Address(ipv4) else { return nil }
        let bytes = [0x02, 0x42] + (0..<4).map { Int((address.value >> (24 - 8 * UInt32($0))) & 0xFF) }
        return bytes.map { String(format: "%02x", $0) }.joined(separator: ":")
    }
}

/// One subnet of a network: CIDR and gateway of one IP version.
public struct Subnet: Codable, Sendable, Equatable {
    public var cidr: String
    public var gateway: String?
    public var ipVersion: Int

    public init(cidr: String, gateway: String?, ipVersion: Int) {
        self.cidr = cidr
        self.gateway = gateway
        self.ipVersion = ipVersion
    }
}

/// A port: a network address held by a container (Neutron's port, without Neutron). IPv4 addresses are
/// allocated by the store, unique per network across every host.
public struct NetworkPort: Codable, Sendable, Equatable {
    public var uuid: String
    public var name: String?
    public var networkUUID: String
    public var projectID: String
    public var containerUUID: String?
    public var ipv4: String?
    public var ipv6: String?
    /// Kept (only unbound) when its container is deleted: the user brought it with `nets: [{port: …}]`.
    public var preserveOnDelete: Bool
    public var createdAt: Date

    public init(
        uuid: String, networkUUID: String, projectID: String, containerUUID: String?, ipv4: String?, ipv6: String?,
        preserveOnDelete: Bool, createdAt: Date
    ) {
        self.uuid = uuid
        self.networkUUID = networkUUID
        self.projectID = projectID
        self.containerUUID = containerUUID
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.preserveOnDelete = preserveOnDelete
        self.createdAt = createdAt
    }
}

/// A container's membership of a network, kept on the container record. The API writes it with the
/// requested fixed IPs; the store fills in the port and the allocated IPv4 address in the same transaction.
public struct NetworkAttachment: Codable, Sendable, Equatable {
    public var networkUUID: String
    public var portUUID: String
    public var ipv4: String?
    public var ipv6: String?
    public var preserveOnDelete: Bool
    /// The user brought this port (`nets: [{port: …}]`): it exists already and is bound, not created.
    public var existingPort: Bool

    public init(
        networkUUID: String, portUUID: String, ipv4: String? = nil, ipv6: String? = nil, preserveOnDelete: Bool = false,
        existingPort: Bool = false
    ) {
        self.networkUUID = networkUUID
        self.portUUID = portUUID
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.preserveOnDelete = preserveOnDelete
        self.existingPort = existingPort
    }
}

/// Where new networks get their IPv4 subnet when the creator gives none.
public struct SubnetPool: Sendable, Equatable {
    public var pool: IPv4Subnet
    public var prefixLength: Int

    public init(pool: IPv4Subnet, prefixLength: Int = 24) {
        self.pool = pool
        self.prefixLength = prefixLength
    }

    /// 512 networks of 4,094 addresses (10.224.0.0–10.255.255.255), away from Docker's own default pools
    /// (172.17–31/16, 192.168/16).
    public static let `default` = SubnetPool(pool: IPv4Subnet("10.224.0.0/11")!, prefixLength: 20)

    /// The first subnet of the pool that overlaps none of `used`.
    public func firstFree(avoiding used: [IPv4Subnet]) -> IPv4Subnet? {
        var index = 0
        while let candidate = pool.subnet(index, prefixLength: prefixLength) {
            if !used.contains(where: { $0.overlaps(candidate) }) { return candidate }
            index += 1
        }
        return nil
    }
}
