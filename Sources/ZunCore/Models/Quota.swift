/// A per-project limit, as Zun's quota API names it (docs/zun-compatibility.md, "Quotas").
public enum QuotaResource: String, Sendable, CaseIterable, Codable {
    case containers, cpu, memory, disk
    /// Ours: Zun leaves these to Neutron and Cinder.
    case networks, volumes, ports

    /// Zun's `[quota]` defaults: 40 containers, 20 vCPUs, 51200 MB, 100 GB; for networks, volumes and ports
    /// the defaults of Neutron (100 networks, 500 ports) and Cinder (10 volumes).
    public var zunDefault: Int {
        switch self {
        case .containers: 40
        case .cpu: 20
        case .memory: 51200
        case .disk: 100
        case .networks: 100
        case .volumes: 10
        case .ports: 500
        }
    }
}

/// What a project holds, or what a request adds to it.
public struct QuotaUsage: Sendable, Equatable {
    public var containers: Int
    public var cpu: Double
    public var memory: Int
    public var disk: Int
    public var networks: Int
    public var volumes: Int
    public var ports: Int

    public init(
        containers: Int = 0, cpu: Double = 0, memory: Int = 0, disk: Int = 0, networks: Int = 0, volumes: Int = 0, ports: Int = 0
    ) {
        self.containers = containers
        self.cpu = cpu
        self.memory = memory
        self.disk = disk
        self.networks = networks
        self.volumes = volumes
        self.ports = ports
    }

    public subscript(resource: QuotaResource) -> Double {
        switch resource {
        case .containers: Double(containers)
        case .cpu: cpu
        case .memory: Double(memory)
        case .disk: Double(disk)
        case .networks: Double(networks)
        case .volumes: Double(volumes)
        case .ports: Double(ports)
        }
    }

    /// This usage without `other`'s.
    public func subtracting(_ other: QuotaUsage) -> QuotaUsage {
        QuotaUsage(
            containers: containers - other.containers, cpu: cpu - other.cpu, memory: memory - other.memory, disk: disk - other.disk,
            networks: networks - other.networks, volumes: volumes - other.volumes, ports: ports - other.ports
        )
    }

    /// The usage a new container adds: its effective cpu, memory and disk (defaults applied first, unlike
    /// upstream's check, which ignores what the request omitted), and the volumes (sized mounts) and ports
    /// (networks joined without an existing port) its create transaction writes with it.
    public static func of(_ container: Container) -> QuotaUsage {
        QuotaUsage(
            containers: 1, cpu: container.cpu, memory: container.memoryMB, disk: container.disk ?? 0,
            volumes: container.mounts?.filter { $0.newVolume != nil }.count ?? 0,
            ports: container.networks?.filter { !$0.existingPort }.count ?? 0
        )
    }
}

/// The limits in force for a project, and Zun's check of a change against them.
public struct QuotaLimits: Sendable, Equatable {
    /// Resource → limit; -1 means unlimited.
    public var limits: [QuotaResource: Int]

    public init(_ limits: [QuotaResource: Int]) { self.limits = limits }

    /// Project overrides over the `default` class over the configured defaults.
    public static func effective(project: [String: Int], defaultClass: [String: Int], configured: [QuotaResource: Int]) -> QuotaLimits {
        var limits: [QuotaResource: Int] = [:]
        for resource in QuotaResource.allCases {
            limits[resource] = project[resource.rawValue] ?? defaultClass[resource.rawValue] ?? configured[resource] ?? resource.zunDefault
        }
        return QuotaLimits(limits)
    }

    public subscript(resource: QuotaResource) -> Int { limits[resource] ?? resource.zunDefault }

    /// Zun's check: a resource is over when its limit is not -1 and usage plus delta exceeds it. Throws 403
    /// `over-quota` naming the resources over, sorted; 400 when the change would make usage negative.
    public func check(usage: QuotaUsage, delta: QuotaUsage) throws {
        var over: [String] = []
        for resource in QuotaResource.allCases {
            let total = usage[resource] + delta[resource]
            if total < 0, delta[resource] < 0 {
                throw ZunError.invalidValue("Change would make usage less than 0 for the following resources: \(resource.rawValue).")
            }
            let limit = self[resource]
            // cpu is compared at 3 decimals, as Zun rounds it.
            if limit >= 0, (total * 1000).rounded() / 1000 > Double(limit), delta[resource] > 0 { over.append(resource.rawValue) }
        }
        guard over.isEmpty else {
            throw ZunError(.forbidden, code: "over-quota", message: "Quota exceeded for resources: \(over.sorted().joined(separator: ", ")).")
        }
    }
}
