import DockerEngine
import Foundation
import Logging
import ZunCore

/// Zun's `init_containers`, on durable tasks: a record of this host left in a
/// transitional status or task state with no unfinished task behind it (a crash between the record write
/// and the task's end, an operator's manual edit, a task abandoned by the reaper) is settled at start-up,
/// so nothing stays `Creating`, `Deleting`, `Restarting` or `Rebuilding`.
extension ComputeAgent {
    static let transitional: Set<ContainerStatus> = [.creating, .deleting, .restarting, .rebuilding]

    /// Settles stranded records; returns how many it touched. Records with an unfinished task are left
    /// to that task, which the runner reruns.
    @discardableResult
    public func recoverStrandedContainers() async throws -> Int {
        let records = ContainerStateWriter(agent: self)
        var settled = 0
        for container in try await controlPlane.containers()
        where Self.transitional.contains(container.status) || container.taskState != nil {
            guard try await !controlPlane.hasUnfinishedTask(containerUUID: container.uuid) else { continue }
            let metadata: Logger.Metadata = [LogKey.containerUUID: "\(container.uuid)", "status": "\(container.status.rawValue)"]
            settled += 1
            if container.status == .deleting || container.taskState == .containerDeleting {
                // Finish the delete the API acknowledged, forcibly, as Zun does.
                logger.notice("re-running an unfinished delete", metadata: metadata)
                let requestID = "req-" + RandomUUID.make()
                try await records.report(
                    .deletingAgain, on: container.uuid,
                    tasks: [ComputeTask(host: configuration.hostName, containerUUID: container.uuid, kind: .delete, payload: .init(requestID: requestID, force: true), createdAt: clock.now)]
                )
            } else if let inspect = try await records.inspect(container, logger: logger) {
                // The engine knows the container: its state is the truth.
                logger.notice("settling a stranded container from the engine", metadata: metadata)
                try await records.refreshFromEngine(container.uuid, inspect: inspect)
            } else {
                logger.notice("a stranded container has no engine container", metadata: metadata)
                let reason = container.status == .creating || container.containerID == nil
                    ? "Container failed to create correctly" : "No such container: \(container.containerID ?? container.dockerName) in docker"
                try await records.report(.failed(reason: reason), on: container.uuid)
            }
        }
        return settled
    }
}
