/// Options of `GET /v1/containers/{id}/logs`.
public struct LogOptions: Sendable, Equatable {
    public var stdout: Bool
    public var stderr: Bool
    public var timestamps: Bool
    /// A line count, or nil for all lines.
    public var tail: Int?
    /// Unix seconds.
    public var since: Int?

    public init(stdout: Bool = true, stderr: Bool = true, timestamps: Bool = false, tail: Int? = nil, since: Int? = nil) {
        self.stdout = stdout
        self.stderr = stderr
        self.timestamps = timestamps
        self.tail = tail
        self.since = since
    }
}

/// Calls the API makes synchronously on the compute host that runs a container.
///
/// In `zun dev` the local agent answers directly; in a cluster a client proxies to the agent's endpoint.
public protocol NodeLocalCalls: Sendable {
    func logs(of container: Container, options: LogOptions) async throws -> String
    /// `ps` in the container, in Docker's `{"Titles": [...], "Processes": [[...]]}` shape.
    func top(of container: Container, psArgs: String?) async throws -> JSONValue
    /// One sample of resource usage in Zun's stats shape.
    func stats(of container: Container) async throws -> JSONValue
    /// Runs a command in the container and waits (up to Zun's `execute_timeout`) for its output and exit code.
    func execute(in container: Container, command: [String]) async throws -> (output: String, exitCode: Int?)
    /// A tar of `path` (base64) and the engine's stat of it (`name`, `size`, `mode`, `mtime`, `linkTarget`).
    func getArchive(of container: Container, path: String) async throws -> (base64: String, stat: JSONValue)
    /// Extracts a tar (base64) into directory `path`.
    func putArchive(into container: Container, path: String, base64: String) async throws
    /// Commits the container to `repository:tag`; returns the new image id.
    func commit(_ container: Container, repository: String, tag: String) async throws -> String
    /// Changes cpu (vCPU) and/or memory (MB) of the running container in place.
    func update(of container: Container, cpu: Double?, memoryMB: Int?) async throws

    // Interactive sessions (exec with a TTY, attach).

    /// Creates an exec instance with stdin and a TTY for a later `console`; returns its id.
    func createInteractiveExec(in container: Container, command: [String]) async throws -> String
    /// Resizes the TTY of the exec instance `execID` of the container.
    func resizeExec(of container: Container, execID: String, height: Int, width: Int) async throws
    /// Resizes the container's own TTY.
    func resizeTTY(of container: Container, height: Int, width: Int) async throws
    /// Pipes `input` to the stdin of the container (attach, `execID` nil) or of an exec instance, and each
    /// chunk of its output to `output`, until the process ends or `input` finishes.
    func console(
        of container: Container, execID: String?, input: AsyncStream<[UInt8]>,
        output: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async throws
}

/// Finds the `NodeLocalCalls` for a host; nil when the host is unknown or unreachable.
public protocol NodeLocalCallsResolver: Sendable {
    func calls(forHost host: String) async -> (any NodeLocalCalls)?
}
