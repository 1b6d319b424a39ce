import DockerEngine
import Foundation
import ZunCore

/// Files the create injected (`mounts` with `source` contents): written into the engine container after
/// it is created, before it first starts.
struct FileInjectionHook: ContainerHook {
    func complete(_ container: Container, _ inspect: ContainerInspect, in context: TaskContext) async throws -> Bool {
        for mount in container.mounts ?? [] where mount.kind == .bind {
            guard let volume = try await context.controlPlane.volume(uuid: mount.volumeUUID), let encoded = volume.contents,
                  let contents = Data(base64Encoded: encoded)
            else { throw InjectionError("the content of the file for \(mount.destination) is missing or not base64") }
            let tar = try FileInjection.tar(path: mount.destination, contents: Array(contents))
            try await context.engine.putArchive(inspect.id, path: "/", tar: tar, logger: context.logger)
        }
        // Writing files does not change what an inspect shows.
        return false
    }
}
