import DockerEngine
import Foundation
import Logging
import ZunCore
import ZunStore

/// Zun's create (and run) flow on the compute host (reference §6.2), as a list of idempotent steps:
/// image, engine container, inspect and save, start if asked. One `catch` turns any failure into `Error`
/// with a reason a human can act on.
struct CreateContainerFlow: Sendable {
    let flows: ContainerFlows
    let recorder: ActionRecorder
    let logger: Logger
    var engine: any ContainerEngine { flows.engine }
    var store: any ZunStore { flows.store }

    func run(_ task: ComputeTask) async throws {
        guard var container = try await store.container(uuid: task.containerUUID) else {
            logger.info("container is gone; nothing to create")
            return
        }
        // A retried task may find the work done; only a container still being created needs the steps.
        if container.status != .creating {
            if task.payload.run == true, container.status == .created {
                try await runStart(container)
            }
            return
        }
        do {
            try await recorder.event("compute__do_container_create") {
                try await flows.setTaskState(container.uuid, .containerCreating)
                let image = try await ensureImage(container)
                container = try await fillFromImage(container, image)
                let inspect = try await ensureEngineContainer(container)
                try await flows.refreshFromEngine(container.uuid, inspect: inspect)
            }
        } catch where ContainerFlows.isOperationFailure(error) {
            try await flows.markError(container.uuid, reason: CreateContainerFlow.reason(error, container))
            try await recorder.finish(failed: true)
            return
        }
        try await startIfAsked(task, container.uuid)
    }

    /// Zun's rebuild (§6.8): the engine container is replaced by a new one from the (possibly new) image,
    /// keeping uuid, name and settings; it is started again if it was running. Any failure → `Error`.
    func rebuild(_ task: ComputeTask) async throws {
        guard let container = try await store.container(uuid: task.containerUUID) else { return }
        do {
            try await recorder.event("compute__do_container_rebuild") {
                try await flows.setTaskState(container.uuid, .containerRebuilding)
                try await engine.removeContainer(container.containerID ?? container.dockerName, force: true, logger: logger)
                var fresh = container
                fresh.containerID = nil
                let image = try await ensureImage(fresh)
                fresh = try await fillFromImage(fresh, image)
                // Volumes outlive the engine container: the new one mounts the same data.
                let inspect = try await ensureEngineContainer(fresh)
                try await store.updateContainer(uuid: container.uuid) { c in
                    c.status = .creating  // so the engine's "created" maps to Created
                    c.statusReason = nil
                    c.containerID = inspect.id
                }
                try await flows.refreshFromEngine(container.uuid, inspect: inspect)
            }
        } catch where ContainerFlows.isOperationFailure(error) {
            try await flows.markError(container.uuid, reason: CreateContainerFlow.reason(error, container))
            try await recorder.finish(failed: true)
            return
        }
        try await startIfAsked(task, container.uuid)
    }

    /// Starts the new engine container when the task asks for it, else finishes the action.
    private func startIfAsked(_ task: ComputeTask, _ uuid: String) async throws {
        guard task.payload.run == true, let container = try await store.container(uuid: uuid) else {
            try await recorder.finish(failed: false)
            return
        }
        try await runStart(container)
    }

    private func runStart(_ container: Container) async throws {
        do {
            try await flows.startContainer(container, recorder, logger)
            try await recorder.finish(failed: false)
        } catch where ContainerFlows.isOperationFailure(error) {
            try await flows.markError(container.uuid, reason: ContainerFlows.reason(error))
            try await recorder.finish(failed: true)
        }
    }

    /// Pulls or finds the image according to the pull policy, and refuses one another project committed: such
    /// an image carries the project label of the container it was made from, and whatever name (or image id)
    /// the caller used, it is to them an image that does not exist (docs/limits.md, "Images").
    func ensureImage(_ container: Container) async throws -> ImageInspect {
        let image = try await findImage(container)
        if let owner = image.config?.labels?[ContainerSpecBuilder.projectLabel], owner != container.projectID {
            logger.notice("refused an image another project committed", metadata: ["image": "\(container.image)"])
            throw ImageError(message: "Image \(container.image) could not be found.")
        }
        return image
    }

    private func findImage(_ container: Container) async throws -> ImageInspect {
        let reference = ImageReference(parsing: container.image)
        let policy = ImagePullPolicy.effective(requested: container.imagePullPolicy, image: reference)
        switch policy {
        case .always:
            try await pull(reference)
        case .ifNotPresent:
            if let image = try await engine.inspectImage(reference.description, logger: logger) { return image }
            try await pull(reference)
        case .never:
            break
        }
        guard let image = try await engine.inspectImage(reference.description, logger: logger) else {
            throw ImageError(
                message: policy == .never
                    ? "Image \(container.image) is not present on host \(flows.agent.configuration.hostName) with pull policy of Never"
                    : "Image \(container.image) was pulled but is not present"
            )
        }
        return image
    }

    private func pull(_ reference: ImageReference) async throws {
        do {
            if let digest = reference.digest {
                try await engine.pullImage(repository: reference.repository, tag: digest, logger: logger)
            } else {
                try await engine.pullImage(repository: reference.repository, tag: reference.effectiveTag, logger: logger)
            }
        } catch let error as DockerError {
            throw ImageError(message: "Failed to pull image \(reference): \(error.message)")
        }
    }

    /// Copies the image's `Cmd`/`Entrypoint` into the record when the user gave none, as Zun does.
    private func fillFromImage(_ container: Container, _ image: ImageInspect) async throws -> Container {
        let needsCommand = container.command?.isEmpty ?? true
        let needsEntrypoint = container.entrypoint?.isEmpty ?? true
        guard needsCommand || needsEntrypoint else { return container }
        let updated = try await store.updateContainer(uuid: container.uuid) {
            if needsCommand, let cmd = image.config?.cmd { $0.command = cmd }
            if needsEntrypoint, let entrypoint = image.config?.entrypoint { $0.entrypoint = entrypoint }
        }
        return updated ?? container
    }

    /// Creates `zun-<uuid>` unless an earlier try already did, with its networks and volumes made on this
    /// host first and its other networks and injected files wired after; returns its inspection.
    private func ensureEngineContainer(_ container: Container) async throws -> ContainerInspect {
        let resources = ContainerResources(flows: flows, logger: logger)
        try await resources.prepare(container)
        return try await resources.complete(container, try await createIfMissing(container))
    }

    private func createIfMissing(_ container: Container) async throws -> ContainerInspect {
        if let existing = try await engine.inspectContainer(container.dockerName, logger: logger) {
            logger.info("engine container already exists; reusing it")
            return existing
        }
        let config = ContainerSpecBuilder(publishHost: flows.agent.configuration.publishHost).config(for: container)
        do {
            _ = try await engine.createContainer(name: container.dockerName, config: config, logger: logger)
        } catch let error as DockerError where error.isConflict {
            logger.info("engine container was created concurrently; reusing it")
        }
        guard let inspect = try await engine.inspectContainer(container.dockerName, logger: logger) else {
            throw DockerError(status: 404, message: "No such container: \(container.dockerName)")
        }
        return inspect
    }

    static func reason(_ error: any Error, _ container: Container) -> String {
        if let error = error as? ImageError { return error.message }
        return ContainerFlows.reason(error)
    }
}

/// An image could not be pulled or found; the message names the image.
struct ImageError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
