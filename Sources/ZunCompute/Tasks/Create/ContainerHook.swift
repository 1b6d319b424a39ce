import DockerEngine
import Foundation
import ZunCore

/// One concern around a container's engine container on this host, in the manner of Nomad's task-runner
/// hooks: `prepare` runs before the engine container is created, `complete` after it, `release` after it
/// was removed. Each step is idempotent, like the handlers that call them.
protocol ContainerHook: Sendable {
    func prepare(_ container: Container, in context: TaskContext) async throws
    /// Returns true when it changed the engine container, so that a fresh inspect is needed.
    func complete(_ container: Container, _ inspect: ContainerInspect, in context: TaskContext) async throws -> Bool
    func release(_ container: Container, in context: TaskContext) async throws
}

extension ContainerHook {
    func prepare(_ container: Container, in context: TaskContext) async throws {}
    func complete(_ container: Container, _ inspect: ContainerInspect, in context: TaskContext) async throws -> Bool { false }
    func release(_ container: Container, in context: TaskContext) async throws {}
}

/// The hooks every container goes through, in order.
enum ContainerHooks {
    static let all: [any ContainerHook] = [NetworkHook(), VolumeHook(), FileInjectionHook()]

    static func prepare(_ container: Container, in context: TaskContext) async throws {
        for hook in all { try await hook.prepare(container, in: context) }
    }

    /// Runs every `complete`, then returns a fresh inspect if any hook changed the engine container.
    static func complete(_ container: Container, _ inspect: ContainerInspect, in context: TaskContext) async throws -> ContainerInspect {
        var changed = false
        for hook in all where try await hook.complete(container, inspect, in: context) { changed = true }
        guard changed else { return inspect }
        return try await context.engine.inspectContainer(inspect.id, logger: context.logger) ?? inspect
    }

    static func release(_ container: Container, in context: TaskContext) async throws {
        for hook in all { try await hook.release(container, in: context) }
    }
}
