import Foundation
import Hummingbird
import ZunCore
import ZunStore

/// What every container controller does before its own work: find `{ident}` in the caller's scope, check
/// the operation's policy rule and allowed statuses, and build the action and task records of an operation.
struct ContainerAccess: Sendable {
    let dependencies: APIDependencies
    var store: any ContainerRecords { dependencies.store }
    var policy: Policy { dependencies.configuration.policy }
    var clock: any WallClock { dependencies.clock }

    /// Finds `{ident}` by uuid or name, scoped to the caller's project unless admin: another project's
    /// container is, to the caller, a container that does not exist (404).
    func lookup(_ request: Request, _ context: ZunRequestContext) async throws -> Container {
        let ident = try context.parameters.require("ident")
        let caller = try context.caller
        let scope = caller.isAdmin ? nil : caller.projectID
        if Self.looksLikeUUID(ident) {
            guard let container = try await store.container(uuid: ident.lowercased()),
                  scope == nil || container.projectID == scope
            else { throw ZunError.containerNotFound(ident) }
            return container
        }
        let matches = try await store.containers(named: ident, projectID: scope)
        if matches.count > 1 {
            throw ZunError.conflict("Multiple containers exist with same name. Please use the container uuid instead.")
        }
        guard let container = matches.first else { throw ZunError.containerNotFound(ident) }
        return container
    }

    static func looksLikeUUID(_ value: String) -> Bool {
        UUID(uuidString: value) != nil || (value.count == 32 && value.allSatisfy(\.isHexDigit))
    }

    /// Finds the container and checks that the caller may run `operation` on it in its current status.
    func authorize(_ operation: ContainerOperation, _ request: Request, _ context: ZunRequestContext) async throws -> Container {
        let container = try await lookup(request, context)
        try policy.enforce(operation.policy, context.caller, targetProject: container.projectID)
        try operation.checkState(of: container)
        return container
    }

    /// The action record of `operation`, made by this request.
    func action(_ operation: ContainerOperation, _ c: Container, _ context: ZunRequestContext, _ now: Date) throws -> ContainerAction {
        let caller = try context.caller
        return ContainerAction(
            action: operation.name, containerUUID: c.uuid, requestID: context.requestID, userID: caller.userID,
            projectID: caller.projectID, startTime: now
        )
    }

    /// The task that runs `operation` on `host`.
    func task(_ operation: ContainerOperation, _ host: String, _ c: Container, _ payload: ComputeTask.Payload, _ now: Date) -> ComputeTask {
        ComputeTask(host: host, containerUUID: c.uuid, kind: operation.taskKind, payload: payload, createdAt: now)
    }

    /// Records `operation`'s action and its host's task in one transaction, re-checking the status inside it
    /// and writing the operation's `newStatus` and `change` in the same write. The container must exist on
    /// an engine.
    func dispatch(
        _ operation: ContainerOperation, _ container: Container, _ context: ZunRequestContext, payload: ComputeTask.Payload,
        change: @escaping @Sendable (inout Container) -> Void = { _ in }
    ) async throws {
        guard let host = container.host, container.containerID != nil else {
            throw ZunError.invalidValue("Cannot operate an uncreated container.")
        }
        let now = clock.now
        try await store.updateContainer(
            uuid: container.uuid, actions: [action(operation, container, context, now)],
            tasks: [task(operation, host, container, payload, now)]
        ) { latest in
            // The status may have moved since the caller's check; check again inside the transaction.
            try operation.checkState(of: latest)
            if let newStatus = operation.newStatus { latest.status = newStatus }
            change(&latest)
        }
    }

    /// The node-local calls of the container's host; 400 for a container the engine never made, 503 when the
    /// host is down.
    func nodeCalls(for container: Container) async throws -> any NodeLocalCalls {
        guard let host = container.host, container.containerID != nil else {
            throw ZunError.invalidValue("Cannot operate an uncreated container.")
        }
        guard let calls = await dependencies.nodes.calls(forHost: host) else { throw ZunError.hostNotUp(host) }
        return calls
    }

    /// A synchronous call on the container's host: the parameters are checked by `parse` first (bad input is
    /// a 400 whatever the container's state or host, and nothing reaches the host unchecked), then policy and
    /// state, then `body` runs with the host's calls.
    func nodeCall<Input>(
        _ operation: ContainerOperation, _ request: Request, _ context: ZunRequestContext, allowed: Set<String>,
        bodyLimit: Int = RequestBodyLimits.json, parse: (ActionParameters) throws -> Input,
        _ body: (any NodeLocalCalls, Container, Input) async throws -> JSONValue
    ) async throws -> Response {
        let params = try await ActionParameters.read(request, context: context, bodyLimit: bodyLimit)
        try params.requireOnly(allowed)
        let input = try parse(params)
        let container = try await authorize(operation, request, context)
        let calls = try await nodeCalls(for: container)
        return try JSONResponse.make(try await body(calls, container, input))
    }

    /// The container as the caller may see it.
    func view(_ container: Container, _ request: Request, _ context: ZunRequestContext) throws -> JSONValue {
        ContainerView.render(container, hostURL: request.hostURL, identity: try context.caller, policy: policy)
    }
}
