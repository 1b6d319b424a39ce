import Foundation
import Hummingbird
import ZunCore
import ZunStore

/// `execute` (one-shot or interactive), `execute_resize`, `attach` and TTY `resize`.
///
/// Interactive sessions hand out a websocket URL of this API (`<base>?token=&uuid=[&exec_id=]`, Zun's
/// shape); `ConsoleController` serves it and proxies to the container's host.
struct ContainerSessionsController {
    let access: ContainerAccess
    var store: any ConsoleSessionRecords { access.dependencies.store }
    var configuration: APIConfiguration { access.dependencies.configuration }

    /// How long a handed-out session token may wait for its connection.
    static let consoleTokenLifetime: TimeInterval = 300

    var routes: RouteCollection<ZunRequestContext> {
        let routes = RouteCollection(context: ZunRequestContext.self)
        routes.post("/{ident}/execute", use: execute)
        routes.post("/{ident}/execute_resize", use: executeResize)
        routes.get("/{ident}/attach", use: attach)
        routes.post("/{ident}/resize", use: resize)
        return routes
    }

    @Sendable func execute(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try await access.nodeCall(ContainerOperations.execute, request, context, allowed: ["command", "run", "interactive"], parse: { params in
            guard let text = params.values["command"], !text.isEmpty else {
                throw ZunError.schemaValidation("'command' is a required property")
            }
            // A very long command wedges runc and, with it, the engine's view of the container
            // (docs/limits.md); Zun has no bound.
            guard text.utf8.count <= RequestBounds.execCommandBytes else {
                throw ZunError.schemaValidation(
                    "Invalid input for query parameters 'command'. It is longer than \(RequestBounds.execCommandBytes) bytes."
                )
            }
            return (command: try Shlex.split(text), run: try params.bool("run", default: true), interactive: try params.bool("interactive"))
        }) { calls, container, input in
            let (command, run, interactive) = input
            if run, !interactive {
                let result = try await calls.execute(in: container, command: command)
                return [
                    "output": .string(result.output), "exit_code": result.exitCode.map(JSONValue.int) ?? .null,
                    "exec_id": .null, "proxy_url": .null,
                ]
            }
            // run=false: Zun creates the exec instance and returns where to connect to it.
            let execID = try await calls.createInteractiveExec(in: container, command: command)
            let url = try await consoleURL(request, context, container: container, execID: execID)
            return ["output": .null, "exit_code": .null, "exec_id": .string(execID), "proxy_url": .string(url)]
        }
    }

    @Sendable func executeResize(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try await access.nodeCall(ContainerOperations.executeResize, request, context, allowed: ["exec_id", "h", "w"], parse: { params in
            guard let execID = params.values["exec_id"], execID.wholeMatch(of: /[0-9a-f]{64}/) != nil else {
                throw ZunError.schemaValidation("'exec_id' must be 64 lowercase hex characters")
            }
            let (height, width) = try ActionInputs.terminalSize(params)
            return (execID: execID, height: height, width: width)
        }) { calls, container, input in
            try await calls.resizeExec(of: container, execID: input.execID, height: input.height, width: input.width)
            return .null
        }
    }

    @Sendable func attach(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try await access.nodeCall(ContainerOperations.attach, request, context, allowed: [], parse: { _ in () }) { _, container, _ in
            guard container.interactive else {
                throw ZunError(
                    .invalidInput, code: "no-interactive-flag",
                    message: "Cannot attach to a non-interactive container \(container.uuid): create it with interactive=true."
                )
            }
            return .string(try await consoleURL(request, context, container: container, execID: nil))
        }
    }

    @Sendable func resize(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try await access.nodeCall(ContainerOperations.resize, request, context, allowed: ["h", "w"], parse: ActionInputs.terminalSize) { calls, container, size in
            try await calls.resizeTTY(of: container, height: size.0, width: size.1)
            return .null
        }
    }

    /// `host:port` the client reached this API at: its Host header, or the socket's address when the
    /// header names no port and the socket is not on port 80.
    static func authority(_ request: Request, _ context: ZunRequestContext) -> String {
        let host = request.head.authority ?? "127.0.0.1"
        guard !host.contains(":") || host.hasSuffix("]"), let local = context.localAddress, let port = local.port, port != 80 else { return host }
        let ip = local.ipAddress.map { local.protocol == .inet6 ? "[\($0)]" : $0 } ?? "127.0.0.1"
        return "\(ip):\(port)"
    }

    /// Records a session token and builds the websocket URL that opens it.
    func consoleURL(_ request: Request, _ context: ZunRequestContext, container: Container, execID: String?) async throws -> String {
        let session = ConsoleSession(
            token: ConsoleSession.newToken(), containerUUID: container.uuid, execID: execID,
            expiresAt: access.clock.now.addingTimeInterval(Self.consoleTokenLifetime)
        )
        try await store.saveConsoleSession(session)
        let base = configuration.websocketBaseURL ?? "ws://\(Self.authority(request, context))\(ConsoleController.path)"
        var url = "\(base)?token=\(session.token)&uuid=\(container.uuid)"
        if let execID { url += "&exec_id=\(execID)" }
        return url
    }
}
