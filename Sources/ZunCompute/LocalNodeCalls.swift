import Foundation
import NIOCore
import DockerEngine
import Logging
import ZunCore

/// Node-local calls answered by this process's own engine client (`zun dev`).
struct LocalNodeCalls: NodeLocalCalls {
    let docker: DockerClient
    let logger: Logger

    func logs(of container: Container, options: LogOptions) async throws -> String {
        try await engine(container) { id in
            try await docker.containerLogs(
                id, stdout: options.stdout, stderr: options.stderr, timestamps: options.timestamps, tail: options.tail,
                since: options.since, tty: container.tty, logger: logger
            )
        }
    }

    func top(of container: Container, psArgs: String?) async throws -> JSONValue {
        let top = try await engine(container, refused: "ps could not run with these ps_args.") {
            try await docker.top($0, psArgs: psArgs, logger: logger)
        }
        return [
            "Titles": .array(top.titles.map(JSONValue.string)),
            "Processes": .array(top.processes.map { .array($0.map(JSONValue.string)) }),
        ]
    }

    func stats(of container: Container) async throws -> JSONValue {
        let stats = try await engine(container) { try await docker.stats($0, logger: logger) }
        return ZunStatsView.render(stats, name: container.dockerName)
    }

    func execute(in container: Container, command: [String]) async throws -> (output: String, exitCode: Int?) {
        do {
            // The command is the caller's: one the engine cannot start (an executable the image does not have) is
            // a 400, not the engine's 500.
            return try await engine(
                container, refused: "Invalid input for query parameters 'command': the container cannot run it now (its executable is missing, or the container is stopping)."
            ) { try await docker.exec($0, command: command, timeout: .seconds(5), logger: logger) }
        } catch let error as ZunError where error.kind == .internalError && error.message.contains("in time") {
            throw ZunError.conflict("Execute command timed out after 5 s.")
        }
    }

    /// Archives larger than this are refused with a clear error rather than loaded into memory.
    static let maxArchiveBytes = 32 << 20

    func getArchive(of container: Container, path: String) async throws -> (base64: String, stat: JSONValue) {
        let (tar, stat) = try await engine(container, refused: "Could not read \(path) from the container.") {
            try await docker.getArchive($0, path: path, maxBytes: Self.maxArchiveBytes, logger: logger)
        }
        let statValue = stat.flatMap { Data(base64Encoded: $0) }.flatMap { try? JSONDecoder().decode(JSONValue.self, from: $0) }
        return (Data(tar.readableBytesView).base64EncodedString(), statValue ?? .object([:]))
    }

    func putArchive(into container: Container, path: String, base64: String) async throws {
        guard let data = Data(base64Encoded: base64) else { throw ZunError.invalidValue("The archive data is not valid base64.") }
        guard data.count <= Self.maxArchiveBytes else {
            throw ZunError.invalidValue("The archive is larger than \(Self.maxArchiveBytes) bytes.")
        }
        try await engine(container, refused: "Could not write the archive to \(path) in the container.") {
            try await docker.putArchive($0, path: path, tar: ByteBuffer(bytes: data), logger: logger)
        }
    }

    func commit(_ container: Container, repository: String, tag: String) async throws -> String {
        try await engine(container) { try await docker.commit($0, repository: repository, tag: tag, logger: logger) }
    }

    func update(of container: Container, cpu: Double?, memoryMB: Int?) async throws {
        try await engine(container) { id in
            try await docker.updateContainer(
                id, memoryBytes: memoryMB.map { Int64($0).saturatingMultiplied(by: 1024 * 1024) }, cpuQuota: cpu.map { Int(saturating: $0 * 100_000) },
                logger: logger
            )
        }
    }

    func createInteractiveExec(in container: Container, command: [String]) async throws -> String {
        try await engine(container) { try await docker.createInteractiveExec($0, command: command, logger: logger) }
    }

    func resizeExec(of container: Container, execID: String, height: Int, width: Int) async throws {
        try await engine(container) { id in
            try await checkExec(execID, belongsTo: id)
            try await docker.resizeExec(execID, height: height, width: width, logger: logger)
        }
    }

    func resizeTTY(of container: Container, height: Int, width: Int) async throws {
        try await engine(container) { try await docker.resizeContainerTTY($0, height: height, width: width, logger: logger) }
    }

    func console(
        of container: Container, execID: String?, input: AsyncStream<[UInt8]>,
        output: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async throws {
        @Sendable func pipe(_ stream: inout DockerClient.StreamOutput, _ stdin: DockerClient.StreamInput) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Input ends when the client goes away: close the connection, which ends the output too.
                group.addTask {
                    for await bytes in input { try await stdin.write(bytes) }
                    stdin.close()
                }
                while let chunk = try await stream.next() { try await output(Array(chunk.readableBytesView)) }
                group.cancelAll()
            }
        }
        try await engine(container) { id in
            if let execID {
                try await checkExec(execID, belongsTo: id)
                try await docker.withExecStream(execID, logger: logger, pipe)
            } else {
                try await docker.withAttachStream(id, logger: logger, pipe)
            }
        }
    }

    /// An exec id of another container is refused like an unknown one (Zun: 400).
    private func checkExec(_ execID: String, belongsTo id: String) async throws {
        let owner: String
        do {
            owner = try await docker.inspectExec(execID, logger: logger).containerID
        } catch let error as DockerError where error.isNotFound {
            throw ZunError.invalidValue("Exec instance \(execID) could not be found.")
        }
        guard owner == id || id.hasPrefix(owner) || owner.hasPrefix(id) else {
            throw ZunError.invalidValue("Exec instance \(execID) could not be found.")
        }
    }

    /// An engine refusal of what the caller chose (a path it lacks, arguments its `ps` rejects, a tar it cannot
    /// unpack), told apart from the container being gone.
    private static func refusedInput(_ error: DockerError) -> Bool {
        !error.message.contains("No such container") && (error.isNotFound || error.status == 400 || error.status == 500)
    }

    /// Runs an engine call on the container, turning engine errors into API errors: a missing container is
    /// Zun's 409, an engine refusal (e.g. "is not running") a 409 with the engine's words.
    /// - Parameter refused: for calls whose input the caller chose (ps_args, archive paths and data): the
    ///   clean 400 to answer when the engine refuses that input, instead of its own words (which name host
    ///   paths) or a 500. The log keeps the engine's words.
    private func engine<T>(_ container: Container, refused: String? = nil, _ call: (String) async throws -> T) async throws -> T {
        let id = container.containerID ?? container.dockerName
        do {
            return try await call(id)
        } catch let error as DockerError where Self.refusedInput(error) && refused != nil {
            logger.info("the engine refused a caller's input", metadata: [LogKey.containerUUID: "\(container.uuid)", LogKey.error: "\(error.message)"])
            throw ZunError.invalidValue(refused ?? error.message)
        } catch let error as DockerError where error.isNotFound {
            throw ZunError.conflict("No such container: \(id) in docker")
        } catch let error as DockerError where error.isConflict {
            throw ZunError.conflict(error.message)
        } catch let error as DockerError where error.status == 400 || error.status == 413 {
            throw ZunError.invalidValue(error.message)
        } catch let error as DockerError {
            throw ZunError.internalError(error.message)
        }
    }
}
