import DockerEngine
import ZunCore

/// Builds the Docker create body for a container record (docs/zun-compatibility.md, "The compute host").
public struct ContainerSpecBuilder: Sendable {
    /// Host address that exposed ports are published on.
    public var publishHost: String

    public init(publishHost: String = "127.0.0.1") {
        self.publishHost = publishHost
    }

    /// Labels that tie an engine container to its record.
    public static let uuidLabel = "zun.container.uuid"
    public static let projectLabel = "zun.project.id"
    /// The compute host that made it, so each agent reconciles only its own containers.
    public static let hostLabel = "zun.host"

    public func config(for container: Container) -> ContainerConfig {
        var host = HostConfig()
        // Records are bounded by the API's schema; the arithmetic saturates anyway, so a record written by an
        // older version, or by hand, cannot trap the agent (docs/limits.md).
        host.memory = Int64(container.memoryMB).saturatingMultiplied(by: 1024 * 1024)
        host.cpuPeriod = 100_000
        host.cpuQuota = Int(saturating: container.cpu * 100_000)
        host.privileged = container.privileged
        host.runtime = container.runtime
        host.autoRemove = container.autoRemove
        if let policy = container.restartPolicy {
            host.restartPolicy = .init(
                name: policy.name, maximumRetryCount: Int(policy.maximumRetryCount).map { min($0, Int(Int32.max)) } ?? 0
            )
        }

        var config = ContainerConfig(image: container.image, hostConfig: host)
        config.cmd = container.command.flatMap { $0.isEmpty ? nil : $0 }
        config.entrypoint = container.entrypoint.flatMap { $0.isEmpty ? nil : $0 }
        config.env = container.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        config.workingDir = container.workdir
        config.labels = container.labels.merging(
            [Self.uuidLabel: container.uuid, Self.projectLabel: container.projectID, Self.hostLabel: container.host ?? ""],
            uniquingKeysWith: { _, ours in ours }
        )
        config.tty = container.tty
        config.openStdin = container.interactive
        config.attachStdin = container.interactive
        config.hostname = container.hostname
        if let ports = container.exposedPorts, !ports.isEmpty {
            config.exposedPorts = Dictionary(uniqueKeysWithValues: ports.keys.map { ($0, ContainerConfig.Empty()) })
            config.hostConfig.portBindings = Dictionary(
                uniqueKeysWithValues: ports.keys.map { ($0, [HostConfig.PortBinding(hostIP: publishHost)]) }
            )
        }
        // The first network is the one the container starts on; the others are connected after create.
        if let first = container.networks?.first {
            let name = Network.dockerName(first.networkUUID)
            config.hostConfig.networkMode = name
            config.networkingConfig = NetworkingConfig(endpointsConfig: [name: EndpointSettings(ipv4: first.ipv4, ipv6: first.ipv6)])
        }
        let volumes = (container.mounts ?? []).filter { $0.kind == .volume }
        if !volumes.isEmpty {
            config.hostConfig.mounts = volumes.map { HostConfig.Mount(volume: Volume.dockerName($0.volumeUUID), target: $0.destination) }
        }
        if let check = container.healthcheck {
            config.healthcheck = .init(
                test: check.test.map { ["CMD-SHELL", $0] },
                interval: check.interval.map { Int64($0).saturatingMultiplied(by: 1_000_000_000) },
                timeout: check.timeout.map { Int64($0).saturatingMultiplied(by: 1_000_000_000) },
                retries: check.retries
            )
        }
        return config
    }
}
