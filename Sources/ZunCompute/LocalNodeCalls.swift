import DockerEngine
import Logging
import ZunCore

/// Node-local calls answered by this process's own engine client (`zun dev`).
struct LocalNodeCalls: NodeLocalCalls {
    let docker: DockerClient
    let logger: Logger

    func logs(of container: Container, options: LogOptions) async throws -> String {
        do {
            return try await docker.containerLogs(
                container.containerID ?? container.dockerName, stdout: options.stdout, stderr: options.stderr,
                timestamps: options.timestamps, tail: options.tail, since: options.since, tty: container.tty,
                logger: logger
            )
        } catch let error as DockerError where error.isNotFound {
            throw ZunError.conflict("No such container: \(container.containerID ?? container.dockerName) in docker")
        } catch let error as DockerError {
            throw ZunError.internalError(error.message)
        }
    }
}
