import Foundation
import Hummingbird
import ZunCore
import ZunStore

/// Synchronous calls answered by the container's compute host: logs, top, stats, get_archive,
/// put_archive, commit and resize_container. A host that is down answers 503.
struct ContainerNodeCallsController {
    let access: ContainerAccess
    var store: any ContainerRecords & ActionLog { access.dependencies.store }

    var routes: RouteCollection<ZunRequestContext> {
        let routes = RouteCollection(context: ZunRequestContext.self)
        routes.get("/{ident}/logs", use: logs)
        routes.get("/{ident}/top", use: top)
        routes.get("/{ident}/stats", use: stats)
        routes.get("/{ident}/get_archive", use: getArchive)
        routes.post("/{ident}/put_archive", use: putArchive)
        routes.post("/{ident}/commit", use: commit)
        routes.post("/{ident}/resize_container", use: resizeContainer)
        return routes
    }

    @Sendable func logs(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try await access.nodeCall(
            ContainerOperations.logs, request, context, allowed: ["stdout", "stderr", "timestamps", "tail", "since"],
            parse: { params in
                var options = LogOptions(
                    stdout: try params.bool("stdout", default: true), stderr: try params.bool("stderr", default: true),
                    timestamps: try params.bool("timestamps")
                )
                // As Zun: anything that is not a non-negative integer means every line.
                options.tail = params.values["tail"].flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
                // python-zunclient sends `since=None` when the user gave none.
                if let since = params.values["since"], since != "None", !since.isEmpty { options.since = try ActionInputs.parseSince(since) }
                return options
            }
        ) { calls, container, options in
            .string(try await calls.logs(of: container, options: options))
        }
    }

    @Sendable func top(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try await access.nodeCall(ContainerOperations.top, request, context, allowed: ["ps_args"], parse: ActionInputs.psArgs) {
            calls, container, psArgs in try await calls.top(of: container, psArgs: psArgs)
        }
    }

    @Sendable func stats(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try await access.nodeCall(ContainerOperations.stats, request, context, allowed: [], parse: { _ in () }) { calls, container, _ in
            try await calls.stats(of: container)
        }
    }

    @Sendable func getArchive(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try await access.nodeCall(ContainerOperations.getArchive, request, context, allowed: ["path"], parse: ActionInputs.archivePath) {
            calls, container, path in
            let (data, stat) = try await calls.getArchive(of: container, path: path)
            // Below 1.25 the tar travels as a raw (latin-1) string, from 1.25 as base64.
            let body = context.apiVersion >= APIVersion(1, 25)
                ? data : String(decoding: Data(base64Encoded: data) ?? Data(), as: UTF8.self)
            return ["data": .string(body), "stat": stat]
        }
    }

    @Sendable func putArchive(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try await access.nodeCall(
            ContainerOperations.putArchive, request, context, allowed: ["path", "data"], bodyLimit: RequestBodyLimits.archive,
            parse: { params in
                (path: try ActionInputs.archivePath(params), base64: try ActionInputs.archiveData(params, version: context.apiVersion))
            }
        ) { calls, container, input in
            try await calls.putArchive(into: container, path: input.path, base64: input.base64)
            return .null
        }
    }

    /// `POST …/commit?repository=&tag=`: a new image from the container (paused meanwhile by the engine),
    /// recorded as Zun's `commit` action with its event. 202 `{"uuid": <image id>}`.
    @Sendable func commit(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(["repository", "tag"])
        let repository = try CommitTarget.repository(params, identity: context.caller)
        let tag = try CommitTarget.tag(params)
        let operation = ContainerOperations.commit
        let container = try await access.authorize(operation, request, context)
        let calls = try await access.nodeCalls(for: container)
        let recorder = APIActionRecorder(store: store, clock: access.clock, containerUUID: container.uuid, requestID: context.requestID)
        try await store.updateContainer(
            uuid: container.uuid, actions: [access.action(operation, container, context, access.clock.now)], tasks: []
        ) {
            $0.taskState = .containerPausing
        }
        let id = try await recorder.run(operation) {
            try await calls.commit(container, repository: repository, tag: tag)
        } always: {
            _ = try? await store.updateContainer(uuid: container.uuid) { $0.taskState = nil }
        }
        return try JSONResponse.make(JSONValue.object(["uuid": .string(id)]), status: .accepted)
    }

    /// `POST …/resize_container` (1.19+): new cpu and/or memory applied by the host; 202 with the view as it
    /// was before the change, and no quota check, as in Zun.
    @Sendable func resizeContainer(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try APIVersionNegotiation.require("resize_container", from: APIVersion(1, 19), requested: context.apiVersion)
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(["cpu", "memory", "name", "auto_heal"])
        var fields: [String: JSONValue] = [:]
        if let cpu = params.values["cpu"] { fields["cpu"] = .string(cpu) }
        if let memory = params.values["memory"] { fields["memory"] = .string(memory) }
        let spec = try CreateContainerValidator(version: .maximum).validateProperties(fields)
        let container = try await access.authorize(ContainerOperations.resizeContainer, request, context)
        if spec.cpu != nil || spec.memory != nil { _ = try await ContainerUpdate(access: access).apply(spec, to: container) }
        return try JSONResponse.make(access.view(container, request, context), status: .accepted)
    }
}

/// Where a commit's image goes: a project's commits land in its own namespace, so it can neither overwrite
/// an image others run nor publish one under a name they use (docs/limits.md, "Images").
enum CommitTarget {
    static func repository(_ params: ActionParameters, identity: Identity) throws -> String {
        guard let given = params.values["repository"], !given.isEmpty else {
            throw ZunError.schemaValidation("'repository' is a required property")
        }
        guard ProjectImages.isValidRepository(given) else {
            throw ZunError.invalidValue("Invalid input for query parameters 'repository': \(given) is not a valid Docker repository name (lowercase letters, digits and separators).")
        }
        let repository = identity.isAdmin ? given : ProjectImages.committedRepository(given, projectID: identity.projectID)
        guard ProjectImages.isValidRepository(repository) else {
            throw ZunError.invalidValue("Invalid input for query parameters 'repository': \(given) is too long.")
        }
        return repository
    }

    static func tag(_ params: ActionParameters) throws -> String {
        let tag = params.values["tag"].flatMap { $0.isEmpty || $0 == "None" ? nil : $0 } ?? "latest"
        guard ProjectImages.isValidTag(tag) else {
            throw ZunError.invalidValue("Invalid input for query parameters 'tag': \(tag) is not a valid Docker tag.")
        }
        return tag
    }
}

/// Records the event of an operation the API runs itself (commit) around the call, and finishes its action.
struct APIActionRecorder {
    let store: any ActionLog
    let clock: any WallClock
    let containerUUID: String
    let requestID: String

    func run<T: Sendable>(
        _ operation: ContainerOperation, _ body: () async throws -> T, always: () async -> Void
    ) async throws -> T {
        let event = operation.event ?? operation.name
        try await store.startEvent(containerUUID: containerUUID, requestID: requestID, event: event, at: clock.now)
        do {
            let result = try await body()
            await always()
            try await store.finishEvent(containerUUID: containerUUID, requestID: requestID, event: event, result: "Success", traceback: nil, at: clock.now)
            try await store.finishAction(containerUUID: containerUUID, requestID: requestID, failed: false, at: clock.now)
            return result
        } catch {
            await always()
            try? await store.finishEvent(containerUUID: containerUUID, requestID: requestID, event: event, result: "Error", traceback: "\(error)", at: clock.now)
            try? await store.finishAction(containerUUID: containerUUID, requestID: requestID, failed: true, at: clock.now)
            throw error
        }
    }
}
