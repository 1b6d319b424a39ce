import ZunCore

/// Node-local calls of a hollow host: there is no process to talk to, so each call is refused clearly.
public struct HollowNodeCalls: NodeLocalCalls {
    public init() {}

    private func refuse() -> ZunError {
        ZunError.conflict("This is a hollow (simulated) compute host: it has no real containers to inspect.")
    }

    public func logs(of container: Container, options: LogOptions) async throws -> String { "" }
    public func top(of container: Container, psArgs: String?) async throws -> JSONValue { throw refuse() }
    public func stats(of container: Container) async throws -> JSONValue { throw refuse() }
    public func execute(in container: Container, command: [String]) async throws -> (output: String, exitCode: Int?) { throw refuse() }
    public func getArchive(of container: Container, path: String) async throws -> (base64: String, stat: JSONValue) { throw refuse() }
    public func putArchive(into container: Container, path: String, base64: String) async throws { throw refuse() }
    public func commit(_ container: Container, repository: String, tag: String) async throws -> String { throw refuse() }
    public func update(of container: Container, cpu: Double?, memoryMB: Int?) async throws {}
    public func createInteractiveExec(in container: Container, command: [String]) async throws -> String { throw refuse() }
    public func resizeExec(of container: Container, execID: String, height: Int, width: Int) async throws { throw refuse() }
    public func resizeTTY(of container: Container, height: Int, width: Int) async throws { throw refuse() }
    public func console(
        of container: Container, execID: String?, input: AsyncStream<[UInt8]>, output: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async throws { throw refuse() }
}
