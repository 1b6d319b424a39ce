import DockerEngine
import Foundation
import Logging
import ZunCore

/// The steps that make a container's engine container, shared by create and rebuild: the image (pulled
/// or found as the pull policy says), the command from the image when none was given, the hooks'
/// `prepare`, the engine create (or the one an earlier try made), the hooks' `complete`.
struct EngineContainerBuilder: Sendable {
    let context: TaskContext
    /// The task state of the operation building (`container_creating`, `container_rebuilding`): shown again
    /// once an image pull, which shows `image_pulling`, is over.
    let taskState: ContainerTaskState?
    var engine: any ContainerEngine { context.engine }
    var logger: Logger { context.logger }

    /// Makes the engine container for `container` and returns its inspection; `image` when the caller
    /// already has it (`ensureImage`).
    func build(_ container: Container, image: ImageInspect? = nil) async throws -> ContainerInspect {
        let image = if let image { image } else { try await ensureImage(container) }
        let filled = try await fillFromImage(container, image)
        try await ContainerHooks.prepare(filled, in: context)
        return try await ContainerHooks.complete(filled, try await createIfMissing(filled), in: context)
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
            try await pull(reference, for: container)
        case .ifNotPresent:
            if let image = try await engine.inspectImage(reference.description, logger: logger) { return image }
            try await pull(reference, for: container)
        case .never:
            break
        }
        guard let image = try await engine.inspectImage(reference.description, logger: logger) else {
            throw ImageError(
                message: policy == .never
                    ? "Image \(container.image) is not present on host \(context.agent.configuration.hostName) with pull policy of Never"
                    : "Image \(container.image) was pulled but is not present"
            )
        }
        return image
    }

    /// Pulls `reference` for `container`, the record showing `image_pulling` meanwhile (as Zun's does), then the
    /// operation's own task state. A real pull takes seconds to minutes: one still going after
    /// `Self.pullShownAfter` sends what is posted, rather than waiting for the outbox's linger. A pull over by
    /// then (an image a registry mirror had, a hollow engine's) sends nothing of its own.
    private func pull(_ reference: ImageReference, for container: Container) async throws {
        try await context.records.setTaskState(container.uuid, .imagePulling)
        let reports = context.reports
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await Task.sleep(for: Self.pullShownAfter)
                await reports.sendPosted()
            }
            do {
                try await pull(reference)
            } catch {
                group.cancelAll()
                throw error
            }
            // Over: the timer goes; a send it began finishes first (the reports stay in order either way).
            group.cancelAll()
            while let _ = try? await group.next() {}
        }
        try await context.records.setTaskState(container.uuid, taskState)
    }

    /// How long a pull runs before its `image_pulling` is sent.
    static let pullShownAfter: Duration = .milliseconds(200)

    private func pull(_ reference: ImageReference) async throws {
        let timeout = context.agent.configuration.imagePullTimeout
        do {
            try await engine.pullImage(
                repository: reference.repository, tag: reference.digest ?? reference.effectiveTag, timeout: timeout, logger: logger
            )
        } catch let error as DockerError {
            throw ImageError(message: "Failed to pull image \(reference): \(error.message)")
        }
    }

    /// Copies the image's `Cmd`/`Entrypoint` into the record when the user gave none, as Zun does.
    private func fillFromImage(_ container: Container, _ image: ImageInspect) async throws -> Container {
        let needsCommand = container.command?.isEmpty ?? true
        let needsEntrypoint = container.entrypoint?.isEmpty ?? true
        guard needsCommand || needsEntrypoint else { return container }
        let report = ContainerReport.filledFromImage(
            command: needsCommand ? image.config?.cmd : nil, entrypoint: needsEntrypoint ? image.config?.entrypoint : nil
        )
        // The rule is the same on both sides (`ContainerReport.apply`), so the record the control plane will hold
        // is known here without waiting for it: the report travels with the task's next one.
        var filled = container
        try report.apply(to: &filled, now: context.clock.now)
        try await context.records.post(report, on: container.uuid)
        return filled
    }

    /// Creates `zun-<uuid>` unless an earlier try already did; returns its inspection.
    private func createIfMissing(_ container: Container) async throws -> ContainerInspect {
        if let existing = try await engine.inspectContainer(container.dockerName, logger: logger) {
            logger.info("engine container already exists; reusing it")
            return existing
        }
        let config = ContainerSpecBuilder(publishHost: context.agent.configuration.publishHost).config(for: container)
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
}
