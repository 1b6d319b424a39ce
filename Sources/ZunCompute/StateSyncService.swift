import DockerEngine
import Foundation
import Logging
import ServiceLifecycle
import ZunCore

/// Copies the engine's truth into the records every `syncInterval` (Zun's `sync_container_state`, §6.16):
/// status changes made behind our back, and containers removed from the engine.
struct StateSyncService: Service {
    let agent: ComputeAgent

    func run() async throws {
        try? await syncOnce()
        var passes = 0
        for await _ in AsyncTimerSequence(interval: agent.configuration.syncInterval).cancelOnGracefulShutdown() {
            passes += 1
            // Networks and volumes whose records were deleted go now and then, not on every pass.
            if passes % 6 == 0 { await agent.networks.removeOrphans() }
            do {
                try await syncOnce()
            } catch {
                agent.logger.warning("container state sync failed", metadata: [LogKey.error: "\(error)"])
            }
        }
    }

    /// One pass over the containers of this host. Containers are synced a few at a time, each on its own: an
    /// engine call that hangs or fails on one container (its deadline ends it) costs that container's sync
    /// only, and the others carry on.
    func syncOnce() async throws {
        let logger = agent.logger
        let writer = ContainerStateWriter(agent: agent)
        // Records first, engine second: a container created in between is then in the engine list.
        let records = try await agent.controlPlane.containers()
        let engine = try await agent.engine.listContainers(withLabel: ContainerSpecBuilder.uuidLabel, logger: logger)
        let present = Set(engine.compactMap { $0.labels?[ContainerSpecBuilder.uuidLabel] })
        // Skip records a task is working on, and those not yet (or no longer) backed by the engine.
        let candidates = records.filter { container in
            container.taskState == nil && ![.creating, .deleting, .deleted, .restarting, .rebuilding].contains(container.status)
        }
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for container in candidates {
                if inFlight >= Self.width {
                    await group.next()
                    inFlight -= 1
                }
                inFlight += 1
                group.addTask {
                    do {
                        // The engine client has its own deadlines; this one bounds the whole container, so
                        // that nothing one container does can hold up the pass.
                        try await withDeadline(agent.configuration.syncContainerTimeout) {
                            try await sync(container, inEngineList: present.contains(container.uuid), writer: writer, logger: logger)
                        }
                    } catch is CancellationError {
                        return  // the agent is stopping
                    } catch {
                        logger.warning("container state sync skipped a container", metadata: [
                            LogKey.containerUUID: "\(container.uuid)", LogKey.error: "\(error)",
                        ])
                    }
                }
            }
        }
    }

    /// Containers synced at once.
    static let width = 8

    private func sync(_ container: Container, inEngineList: Bool, writer: ContainerStateWriter, logger: Logger) async throws {
        if inEngineList {
            guard let inspect = try await writer.inspect(container, logger: logger) else { return }
            let mapped = DockerStateMapper.map(inspect.state, current: container.status, now: agent.clock.now)
            if mapped.status != container.status || mapped.detail != container.statusDetail {
                try await writer.refreshFromEngine(container.uuid, inspect: inspect, unchangedSince: container)
            }
        } else if try await writer.inspect(container, logger: logger) != nil {
            return  // made after the engine list was read
        } else if container.autoRemove {
            try await writer.report(.removedWhileIdle, on: container.uuid)
        } else if container.autoHeal, container.containerID != nil,
                  [.created, .running, .stopped, .error].contains(container.status)
        {
            // Zun's auto_heal: a vanished container is rebuilt in place.
            logger.notice("auto-healing a vanished container", metadata: [LogKey.containerUUID: "\(container.uuid)"])
            let requestID = "req-" + RandomUUID.make()
            let now = agent.clock.now
            try await writer.report(
                .healing, on: container.uuid,
                actions: [ContainerAction(action: ContainerOperations.rebuild.name, containerUUID: container.uuid, requestID: requestID, userID: container.userID, projectID: container.projectID, startTime: now)],
                tasks: [ComputeTask(host: agent.configuration.hostName, containerUUID: container.uuid, kind: .rebuild, payload: .init(requestID: requestID, run: container.status == .running), createdAt: now)]
            )
        } else if let id = container.containerID, container.status != .error {
            logger.info("container vanished from the engine", metadata: [LogKey.containerUUID: "\(container.uuid)"])
            try await writer.report(.vanished(reason: "No such container: \(id) in docker"), on: container.uuid)
        }
    }
}
