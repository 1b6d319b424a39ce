import Foundation
import ZunCore
import ZunStore

/// The record of a container a create asked for, with Zun's defaults applied: a generated name when none
/// was given, the configured cpu and memory, the docker image driver, the caller as owner.
enum NewContainer {
    static func make(_ spec: CreateContainerRequest, _ identity: Identity, configuration: APIConfiguration, now: Date) -> Container {
        let name = spec.name.flatMap { $0.isEmpty ? nil : $0 } ?? ContainerNameGenerator.generate()
        var c = Container(
            uuid: RandomUUID.timeOrdered(at: now), name: name, projectID: identity.projectID, userID: identity.userID,
            image: spec.image, cpu: spec.cpu ?? configuration.defaultCPU,
            memory: String(spec.memory ?? configuration.defaultMemoryMB), createdAt: now
        )
        c.command = spec.command
        c.entrypoint = spec.entrypoint
        c.disk = spec.disk
        c.cpuPolicy = spec.cpuPolicy
        c.workdir = spec.workdir
        c.labels = spec.labels ?? [:]
        c.environment = spec.environment ?? [:]
        c.restartPolicy = spec.restartPolicy
        c.interactive = spec.interactive ?? false
        c.tty = spec.tty ?? false
        c.imagePullPolicy = spec.imagePullPolicy
        c.imageDriver = spec.imageDriver ?? "docker"
        c.securityGroups = spec.securityGroups ?? []
        c.runtime = spec.runtime
        c.hostname = spec.hostname
        c.autoRemove = spec.autoRemove ?? false
        c.autoHeal = spec.autoHeal ?? false
        c.privileged = spec.privileged ?? false
        c.healthcheck = spec.healthcheck
        c.exposedPorts = spec.exposedPorts
        c.availabilityZone = spec.availabilityZone
        c.hints = spec.hints
        c.requestedNetworks = spec.nets
        c.requestedHost = spec.host
        return c
    }
}

/// An image another project committed is, to the caller, an image that does not exist (404); see
/// docs/limits.md, "Images".
enum ImageVisibility {
    static func check(_ image: String, _ identity: Identity) throws {
        guard identity.isAdmin || ProjectImages.mayRun(image, projectID: identity.projectID) else {
            throw ZunError(.notFound, code: "image-not-found", message: "Image \(image) could not be found.")
        }
    }
}

/// Applies PATCH-able fields: cpu and memory on the running container first (by its host), then every given
/// field in the record. Shared by PATCH and resize_container.
struct ContainerUpdate {
    let access: ContainerAccess

    func apply(_ spec: CreateContainerRequest, to container: Container) async throws -> Container {
        let delta = QuotaUsage(
            cpu: (spec.cpu ?? container.cpu) - container.cpu, memory: (spec.memory ?? container.memoryMB) - container.memoryMB
        )
        if delta.cpu > 0 || delta.memory > 0 {
            // Checked against the effective values, as a create is.
            try await access.dependencies.checkQuota(project: container.projectID, delta: delta)
        }
        if spec.cpu != nil || spec.memory != nil {
            try await access.nodeCalls(for: container).update(of: container, cpu: spec.cpu, memoryMB: spec.memory)
        }
        let updated = try await access.store.updateContainer(uuid: container.uuid) { c in
            if let name = spec.name { c.name = name }
            if let autoHeal = spec.autoHeal { c.autoHeal = autoHeal }
            if let cpu = spec.cpu { c.cpu = cpu }
            if let memory = spec.memory { c.memory = String(memory) }
        }
        guard let updated else { throw ZunError.containerNotFound(container.uuid) }
        return updated
    }
}
