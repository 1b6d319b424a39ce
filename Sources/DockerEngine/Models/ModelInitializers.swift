// Memberwise initializers for engine answers, so a simulated engine (the hollow compute driver) can build
// them. Docker itself is decoded from JSON.

extension ContainerInspect {
    public init(id: String, name: String?, state: State?, config: Config?) {
        self.id = id
        self.name = name
        self.state = state
        self.config = config
        self.networkSettings = nil
    }
}

extension ContainerInspect.Config {
    public init(cmd: [String]?, entrypoint: [String]?, labels: [String: String]?, tty: Bool?) {
        self.hostname = nil
        self.exposedPorts = nil
        self.cmd = cmd
        self.entrypoint = entrypoint
        self.labels = labels
        self.tty = tty
    }
}

extension ContainerSummary {
    public init(id: String, labels: [String: String]?, state: String?) {
        self.id = id
        self.names = nil
        self.labels = labels
        self.state = state
        self.status = nil
    }
}

extension SystemInfo {
    public init(ncpu: Int, memTotal: Int64, operatingSystem: String?, osType: String?, architecture: String?, runtimes: [String]) {
        self.ncpu = ncpu
        self.memTotal = memTotal
        self.operatingSystem = operatingSystem
        self.osType = osType
        self.kernelVersion = nil
        self.architecture = architecture
        self.runtimes = Dictionary(uniqueKeysWithValues: runtimes.map { ($0, RuntimeInfo()) })
        self.dockerRootDir = nil
        self.driver = nil
        self.containers = 0
        self.containersRunning = 0
        self.name = nil
        self.labels = nil
    }
}

extension ImageInspect {
    public init(id: String, cmd: [String]?, entrypoint: [String]?) {
        self.id = id
        self.config = Config(command: cmd, entrypoint: entrypoint)
    }
}

extension ImageInspect.Config {
    public init(command: [String]?, entrypoint: [String]?) {
        self.cmd = command
        self.entrypoint = entrypoint
    }
}
