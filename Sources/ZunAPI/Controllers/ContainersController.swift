import Foundation
import Hummingbird
import Logging
import ZunCore
import ZunScheduler
import ZunStore

/// `/v1/containers`: create, list, show, delete, start, stop, logs and the action history.
struct ContainersController {
    let dependencies: APIDependencies
    let placement: ContainerPlacement
    var store: any ZunStore { dependencies.store }
    var policy: Policy { dependencies.configuration.policy }
    var configuration: APIConfiguration { dependencies.configuration }

    func register(on group: RouterGroup<ZunRequestContext>) {
        group.post("/", use: create)
        group.get("/", use: list)
        group.get("/{ident}", use: show)
        group.delete("/{ident}", use: delete)
        group.post("/{ident}/start", use: start)
        group.post("/{ident}/stop", use: stop)
        group.post("/{ident}/pause") { request, context in
            try await dispatch("pause", kind: .pause, request, context) { params in
                try params.requireOnly([])
                return .init(requestID: context.requestID)
            }
        }
        group.post("/{ident}/unpause") { request, context in
            try await dispatch("unpause", kind: .unpause, request, context) { params in
                try params.requireOnly([])
                return .init(requestID: context.requestID)
            }
        }
        group.post("/{ident}/kill") { request, context in
            try await dispatch("kill", kind: .kill, request, context) { params in
                try params.requireOnly(["signal"])
                var payload = ComputeTask.Payload(requestID: context.requestID)
                payload.signal = try Self.signal(params.values["signal"])
                return payload
            }
        }
        group.post("/{ident}/reboot") { request, context in
            try await dispatch("reboot", kind: .reboot, request, context, newStatus: .restarting) { params in
                try params.requireOnly(["timeout"])
                return .init(requestID: context.requestID, timeout: try params.nonNegativeInt("timeout", maximum: RequestBounds.stopTimeout))
            }
        }
        group.get("/{ident}/logs", use: logs)
        group.post("/{ident}/rebuild") { request, context in
            let params = try await ActionParameters.read(request, context: context)
            try params.requireOnly(["image", "image_driver"])
            if let driver = params.values["image_driver"], driver != "docker" {
                throw ZunError.invalidValue("Invalid image driver \(driver): this service pulls images with Docker.")
            }
            if let image = params.values["image"] {
                _ = try SchemaChecks.string("image", .string(image), nullable: false, minLength: 2, maxLength: 255, pattern: .image)
                try checkImageVisible(image, context.identity)
            }
            let current = try await lookup(request, context)
            return try await dispatch(
                "rebuild", kind: .rebuild, request, context, params: params, newStatus: .rebuilding,
                change: { c in if let image = params.values["image"] { c.image = image } }
            ) { _ in .init(requestID: context.requestID, run: current.status == .running) }
        }
        group.post("/{ident}/resize_container") { request, context in
            if context.apiVersion < APIVersion(1, 19) { throw APIVersionNegotiation.notSupported(context.apiVersion) }
            return try await resize(request, context)
        }
        group.get("/{ident}/top") { request, context in
            try await nodeCall("top", request, context, allowed: ["ps_args"], parse: { params in
                // python-zunclient sends ps_args=None when none was given.
                let psArgs = params.values["ps_args"].flatMap { $0 == "None" || $0.isEmpty ? nil : $0 }
                if let psArgs { try Self.checkPSArgs(psArgs) }
                return psArgs
            }) { calls, container, psArgs in
                try await calls.top(of: container, psArgs: psArgs)
            }
        }
        group.get("/{ident}/stats") { request, context in
            try await nodeCall("stats", request, context, allowed: []) { calls, container, _ in
                try await calls.stats(of: container)
            }
        }
        registerInteractive(on: group)
        group.get("/{ident}/get_archive") { request, context in
            try await nodeCall("get_archive", request, context, allowed: ["path"], parse: Self.archivePath) { calls, container, path in
                let (data, stat) = try await calls.getArchive(of: container, path: path)
                // Below 1.25 the tar travels as a raw (latin-1) string, from 1.25 as base64.
                let body = context.apiVersion >= APIVersion(1, 25)
                    ? data : String(decoding: Data(base64Encoded: data) ?? Data(), as: UTF8.self)
                return ["data": .string(body), "stat": stat]
            }
        }
        group.post("/{ident}/put_archive") { request, context in
            try await nodeCall(
                "put_archive", request, context, allowed: ["path", "data"], bodyLimit: RequestBodyLimits.archive,
                parse: { params in (path: try Self.archivePath(params), base64: try Self.archiveData(params, version: context.apiVersion)) }
            ) { calls, container, input in
                let (path, base64) = input
                try await calls.putArchive(into: container, path: path, base64: base64)
                return .null
            }
        }
        group.post("/{ident}/commit") { request, context in
            try await commit(request, context)
        }
        group.patch("/{ident}", use: update)
        group.post("/{ident}/rename", use: rename)
        group.post("/{ident}/network_attach", use: networkAttach)
        group.post("/{ident}/network_detach", use: networkDetach)
        group.get("/{ident}/network_list", use: networkList)
        group.post("/{ident}/add_security_group") { request, context in try await changeSecurityGroup(request, context: context, add: true) }
        group.post("/{ident}/remove_security_group") { request, context in try await changeSecurityGroup(request, context: context, add: false) }
        group.get("/{ident}/container_actions", use: actions)
        group.get("/{ident}/container_actions/{request_id}", use: action)
    }

    // MARK: Create

    /// The create flow of design.md, in order: content type, body schema for the microversion, policy,
    /// defaults, schedule, then container + action + task in one transaction, and 202 with `Location`.
    @Sendable func create(_ request: Request, context: ZunRequestContext) async throws -> Response {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw ZunError(status: 415, code: "", message: "The server does not support the media type of the request; use application/json.", title: "Unsupported Media Type")
        }
        let query = ActionParameters(values: ActionParameters.queryValues(request))
        try query.requireOnly(["run"])
        let run = try query.bool("run")
        let identity = context.identity
        try policy.enforce("container:create", identity, targetProject: identity.projectID)

        let buffer = try await request.collectBody(upTo: RequestBodyLimits.json)
        let body: JSONValue
        do {
            body = try JSONResponse.decoder.decode(JSONValue.self, from: buffer)
        } catch {
            throw ZunError.schemaValidation("The request body is not valid JSON.")
        }
        let spec = try CreateContainerValidator(version: context.apiVersion).validate(body)
        try enforceCreatePolicies(spec, identity)
        try checkImageVisible(spec.image, identity)
        if let registry = spec.registry {
            throw ZunError(status: 404, code: "registry-not-found", message: "Registry \(registry) could not be found.")
        }
        if let host = spec.host, try await store.computeNode(ident: host) == nil {
            throw ZunError.requestedHostNotFound(host)
        }

        var container = makeContainer(spec, identity)
        // Hints are checked before anything is written (a project's default network, say): a refused
        // request changes nothing.
        var schedulingRequest = try await placement.request(
            for: container, requestedHost: spec.host, hintScope: .caller(project: identity.isAdmin ? nil : identity.projectID)
        )
        let resources = RequestedResources(dependencies: dependencies)
        container.networks = try await resources.networks(spec.nets, identity)
        let (mounts, volumeHost) = try await resources.mounts(spec.mounts, containerUUID: container.uuid, identity)
        container.mounts = mounts.isEmpty ? nil : mounts
        if let volumeHost {
            // The volume's data is on one host's engine: the container goes there, and is never moved.
            if let pinned = spec.host, pinned != volumeHost {
                throw ZunError.invalidValue("The requested host \(pinned) does not hold the volume, which is on \(volumeHost).")
            }
            container.requestedHost = volumeHost
            schedulingRequest.requestedHost = volumeHost
        }
        let placed = try await placement.place(
            container, request: schedulingRequest, requestID: context.requestID, run: run, logger: context.logger
        )
        let host = request.hostURL
        return try JSONResponse.make(
            ContainerView.render(placed, hostURL: host, identity: identity, policy: policy), status: .accepted,
            headers: [.location: "\(host)/v1/containers/\(placed.uuid)"]
        )
    }

    /// An image another project committed is, to the caller, an image that does not exist (404).
    func checkImageVisible(_ image: String, _ identity: Identity) throws {
        guard identity.isAdmin || ProjectImages.mayRun(image, projectID: identity.projectID) else {
            throw ZunError(status: 404, code: "image-not-found", message: "Image \(image) could not be found.")
        }
    }

    private func enforceCreatePolicies(_ spec: CreateContainerRequest, _ identity: Identity) throws {
        if spec.runtime != nil { try policy.enforce("container:create:runtime", identity) }
        if spec.privileged == true { try policy.enforce("container:create:privileged", identity) }
        if spec.imagePullPolicy != nil { try policy.enforce("container:create:image_pull_policy", identity) }
        if spec.host != nil { try policy.enforce("container:create:requested_destination", identity) }
    }

    /// Applies Zun's defaults: generated name, cpu, memory (as a string), image driver, owner.
    private func makeContainer(_ spec: CreateContainerRequest, _ identity: Identity) -> Container {
        let name = (spec.name?.isEmpty ?? true) ? ContainerNameGenerator.generate() : spec.name!
        var c = Container(
            uuid: UUID().uuidString.lowercased(), name: name, projectID: identity.projectID, userID: identity.userID,
            image: spec.image, cpu: spec.cpu ?? configuration.defaultCPU,
            memory: String(spec.memory ?? configuration.defaultMemoryMB), createdAt: Date()
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

    // MARK: List and show

    @Sendable func list(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(ContainerQuery.filterColumns.union(["all_projects", "limit", "marker", "sort_key", "sort_dir", "expand", "resource_url"]))
        let identity = context.identity
        try policy.enforce("container:get_all", identity, targetProject: identity.projectID)
        let allProjects = try params.bool("all_projects")
        if allProjects { try policy.enforce("container:get_all_all_projects", identity) }

        var filters: [String: String] = [:]
        for column in ContainerQuery.filterColumns {
            guard let value = params.values[column] else { continue }
            try policy.enforce("container:get_one:\(column)", identity)
            filters[column] = column == "auto_remove" ? String(try StrictBool.parse(value, name: column)) : value
        }
        let paging = try Paging(params, maxLimit: configuration.maxLimit, defaultSortKey: "id", sortKeys: ContainerQuery.sortColumns)
        let containers = try await store.listContainers(ContainerQuery(
            filters: filters, projectID: allProjects ? nil : identity.projectID, sortKey: paging.sortKey,
            ascending: paging.ascending, limit: paging.limit, marker: paging.marker
        ))
        let host = request.hostURL
        return try JSONResponse.make(JSONValue.object([
            "containers": .array(containers.map { ContainerView.render($0, hostURL: host, identity: identity, policy: policy) }),
            "next": paging.next(lastUUID: containers.last?.uuid, count: containers.count, url: "\(host)/v1/containers"),
        ]))
    }

    @Sendable func show(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let container = try await lookup(request, context)
        try policy.enforce("container:get_one", context.identity, targetProject: container.projectID)
        return try JSONResponse.make(
            ContainerView.render(container, hostURL: request.hostURL, identity: context.identity, policy: policy)
        )
    }

    /// Finds `{ident}` by uuid or name, scoped to the caller's project unless admin (reference §2.0.3).
    func lookup(_ request: Request, _ context: ZunRequestContext) async throws -> Container {
        let ident = try context.parameters.require("ident")
        let scope = context.identity.isAdmin ? nil : context.identity.projectID
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

    // MARK: Delete, start, stop

    @Sendable func delete(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(["force", "stop", "all_projects"])
        let force = try params.bool("force")
        let stop = try params.bool("stop")
        if try params.bool("all_projects") { try policy.enforce("container:delete_all_projects", context.identity) }
        let container = try await lookup(request, context)
        let identity = context.identity
        try policy.enforce("container:delete", identity, targetProject: container.projectID)

        if stop {
            if context.apiVersion < APIVersion(1, 12) { throw ZunError.invalidParamInVersion("stop", version: context.apiVersion) }
            try ContainerStateRules.check(action: "delete_after_stop", container: container)
        } else if force {
            if context.apiVersion < APIVersion(1, 7) { throw ZunError.invalidParamInVersion("force", version: context.apiVersion) }
            try policy.enforce("container:delete_force", identity)
            try ContainerStateRules.check(action: "delete_force", container: container)
        } else {
            try ContainerStateRules.check(action: "delete", container: container)
        }

        guard let host = container.host else {
            try await store.destroyContainer(uuid: container.uuid)
            return JSONResponse.empty(.noContent)
        }
        var actions: [ContainerAction] = []
        var tasks: [ComputeTask] = []
        let now = Date()
        if stop && container.status == .running {
            try policy.enforce("container:stop", identity, targetProject: container.projectID)
            actions.append(makeAction("stop", container, context, now))
            tasks.append(makeTask(.stop, host, container, .init(requestID: context.requestID, timeout: 10), now))
        }
        actions.append(makeAction("delete", container, context, now))
        tasks.append(makeTask(.delete, host, container, .init(requestID: context.requestID, force: force), now))
        try await store.updateContainer(uuid: container.uuid, actions: actions, tasks: tasks) { $0.status = .deleting }
        return JSONResponse.empty(.noContent)
    }

    @Sendable func start(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try await dispatch("start", kind: .start, request, context) { _ in .init(requestID: context.requestID) }
    }

    @Sendable func stop(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try await dispatch("stop", kind: .stop, request, context) { params in
            try params.requireOnly(["timeout"])
            return .init(requestID: context.requestID, timeout: try params.nonNegativeInt("timeout", maximum: RequestBounds.stopTimeout))
        }
    }

    /// Checks policy and state, then records the action and the host's task in one transaction (202),
    /// setting `newStatus` (e.g. `Restarting` for a reboot) in the same write.
    private func dispatch(
        _ name: String, kind: ComputeTask.Kind, _ request: Request, _ context: ZunRequestContext,
        params: ActionParameters? = nil, newStatus: ContainerStatus? = nil,
        change: @escaping @Sendable (inout Container) -> Void = { _ in },
        payload: (ActionParameters) throws -> ComputeTask.Payload
    ) async throws -> Response {
        // The body can be read only once: callers that already read the parameters pass them in.
        let params = if let params { params } else { try await ActionParameters.read(request, context: context) }
        let taskPayload = try payload(params)
        let container = try await lookup(request, context)
        try policy.enforce("container:\(name)", context.identity, targetProject: container.projectID)
        try ContainerStateRules.check(action: name, container: container)
        guard let host = container.host, container.containerID != nil else {
            throw ZunError.invalidValue("Cannot operate an uncreated container.")
        }
        let now = Date()
        try await store.updateContainer(
            uuid: container.uuid, actions: [makeAction(name, container, context, now)],
            tasks: [makeTask(kind, host, container, taskPayload, now)]
        ) { latest in
            // The status may have moved since the check above; re-check inside the transaction.
            try ContainerStateRules.check(action: name, container: latest)
            if let newStatus { latest.status = newStatus }
            change(&latest)
        }
        return JSONResponse.empty(.accepted)
    }

    /// `ps_args` go to the engine's `ps` as arguments: letters, digits, spaces and `,=_-` only, 256 bytes at most.
    static func checkPSArgs(_ value: String) throws {
        let allowed = value.utf8.count <= 256 && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || " ,=_-".contains($0)) }
        guard allowed else {
            throw ZunError.invalidValue("Invalid input for query parameters 'ps_args': use letters, digits, spaces and ',=_-' only, at most 256 bytes.")
        }
    }

    /// The `path` of get_archive / put_archive: required, no NUL, at most 4096 bytes (Linux's PATH_MAX).
    static func archivePath(_ params: ActionParameters) throws -> String {
        guard let path = params.values["path"], !path.isEmpty else { throw ZunError.schemaValidation("'path' is a required property") }
        guard !path.contains("\u{0}"), path.utf8.count <= 4096 else {
            throw ZunError.invalidValue("Invalid input for query parameters 'path': it must hold no NUL byte and be at most 4096 bytes long.")
        }
        return path
    }

    /// The `data` of put_archive as base64 of a tar the engine will take (raw latin-1 text below 1.25).
    static func archiveData(_ params: ActionParameters, version: APIVersion) throws -> String {
        guard let data = params.values["data"] else { throw ZunError.schemaValidation("'data' is a required property") }
        let tar: Data
        if version >= APIVersion(1, 25) {
            guard let decoded = Data(base64Encoded: data) else {
                throw ZunError(status: 400, code: "base64-exception", message: "Failed to decode the archive data: invalid base64.")
            }
            tar = decoded
        } else {
            tar = Data(data.utf8)
        }
        do {
            try TarCheck.validate([UInt8](tar))
        } catch let refusal as TarCheck.Refusal {
            throw ZunError.invalidValue("Invalid input for field 'data': \(refusal.reason).")
        }
        return version >= APIVersion(1, 25) ? data : tar.base64EncodedString()
    }

    /// Zun accepts `SIGKILL`, `KILL`, `sigkill`, `kill`, `9`, or nothing/`None` for the default.
    static func signal(_ value: String?) throws -> String? {
        guard let value, value != "None", !value.isEmpty else { return nil }
        if let number = Int(value), (1...64).contains(number) { return String(number) }
        let name = value.uppercased().hasPrefix("SIG") ? String(value.uppercased().dropFirst(3)) : value.uppercased()
        let known: Set<String> = [
            "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
            "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF",
            "WINCH", "IO", "PWR", "SYS",
        ]
        guard known.contains(name) else { throw ZunError.invalidValue("Bad signal: \(value)") }
        return "SIG" + name
    }

    func makeAction(_ name: String, _ c: Container, _ context: ZunRequestContext, _ now: Date) -> ContainerAction {
        ContainerAction(
            action: name, containerUUID: c.uuid, requestID: context.requestID, userID: context.identity.userID,
            projectID: context.identity.projectID, startTime: now
        )
    }

    func makeTask(_ kind: ComputeTask.Kind, _ host: String, _ c: Container, _ payload: ComputeTask.Payload, _ now: Date) -> ComputeTask {
        ComputeTask(host: host, containerUUID: c.uuid, kind: kind, payload: payload, createdAt: now)
    }

    // MARK: Node-local calls, update, rename

    /// Checks policy and state, then runs a synchronous call on the container's host (503 if it is down).
    func nodeCall(
        _ name: String, _ request: Request, _ context: ZunRequestContext, allowed: Set<String>,
        bodyLimit: Int = RequestBodyLimits.json,
        _ body: (any NodeLocalCalls, Container, ActionParameters) async throws -> JSONValue
    ) async throws -> Response {
        try await nodeCall(name, request, context, allowed: allowed, bodyLimit: bodyLimit, parse: { $0 }, body)
    }

    /// The same, with the parameters checked by `parse` first: bad input is a 400 whatever the container's
    /// state or host, and nothing reaches the host unchecked.
    func nodeCall<Input>(
        _ name: String, _ request: Request, _ context: ZunRequestContext, allowed: Set<String>,
        bodyLimit: Int = RequestBodyLimits.json, parse: (ActionParameters) throws -> Input,
        _ body: (any NodeLocalCalls, Container, Input) async throws -> JSONValue
    ) async throws -> Response {
        let params = try await ActionParameters.read(request, context: context, bodyLimit: bodyLimit)
        try params.requireOnly(allowed)
        let input = try parse(params)
        let container = try await lookup(request, context)
        try policy.enforce("container:\(name)", context.identity, targetProject: container.projectID)
        try ContainerStateRules.check(action: name, container: container)
        let calls = try await nodeCalls(for: container)
        return try JSONResponse.make(try await body(calls, container, input))
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

    /// `PATCH /v1/containers/{ident}`: `name` and `auto_heal` are written to the record; `cpu` and `memory`
    /// are first applied to the running container by its host (Zun's synchronous `container_update`).
    @Sendable func update(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let buffer = try await request.collectBody(upTo: RequestBodyLimits.json)
        guard let body = try? JSONResponse.decoder.decode(JSONValue.self, from: buffer), case .object(let object) = body else {
            throw ZunError.schemaValidation("The request body must be a JSON object.")
        }
        let unexpected = object.keys.filter { !["cpu", "memory", "name", "auto_heal"].contains($0) }.sorted()
        if !unexpected.isEmpty {
            throw ZunError.schemaValidation("Additional properties are not allowed (\(unexpected.map { "'\($0)'" }.joined(separator: ", ")) was unexpected)")
        }
        // The create schema's rules, property by property.
        let spec = try CreateContainerValidator(version: .maximum).validateProperties(object)
        let container = try await lookup(request, context)
        try policy.enforce("container:update", context.identity, targetProject: container.projectID)
        try ContainerStateRules.check(action: "update", container: container)
        let updated = try await apply(spec, to: container)
        return try JSONResponse.make(ContainerView.render(updated, hostURL: request.hostURL, identity: context.identity, policy: policy))
    }

    /// `POST …/commit?repository=&tag=`: a new image from the container (paused meanwhile by the engine),
    /// recorded as Zun's `commit` action with its `compute__do_container_commit` event. 202 `{"uuid": <image id>}`.
    private func commit(_ request: Request, _ context: ZunRequestContext) async throws -> Response {
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(["repository", "tag"])
        guard let given = params.values["repository"], !given.isEmpty else {
            throw ZunError.schemaValidation("'repository' is a required property")
        }
        let tag = params.values["tag"].flatMap { $0.isEmpty || $0 == "None" ? nil : $0 } ?? "latest"
        guard ProjectImages.isValidRepository(given) else {
            throw ZunError.invalidValue("Invalid input for query parameters 'repository': \(given) is not a valid Docker repository name (lowercase letters, digits and separators).")
        }
        guard ProjectImages.isValidTag(tag) else {
            throw ZunError.invalidValue("Invalid input for query parameters 'tag': \(tag) is not a valid Docker tag.")
        }
        // A project's commits land in its own namespace, so it can neither overwrite an image others run nor
        // publish one under a name they use (docs/limits.md, "Images").
        let repository = context.identity.isAdmin ? given : ProjectImages.committedRepository(given, projectID: context.identity.projectID)
        guard ProjectImages.isValidRepository(repository) else {
            throw ZunError.invalidValue("Invalid input for query parameters 'repository': \(given) is too long.")
        }
        let container = try await lookup(request, context)
        try policy.enforce("container:commit", context.identity, targetProject: container.projectID)
        try ContainerStateRules.check(action: "commit", container: container)
        let calls = try await nodeCalls(for: container)
        let now = Date()
        // The engine pauses a running container while it commits; the task state keeps the periodic sync from
        // recording that passing `Paused`.
        try await store.updateContainer(uuid: container.uuid, actions: [makeAction("commit", container, context, now)], tasks: []) {
            $0.taskState = .containerPausing
        }
        try await store.startEvent(containerUUID: container.uuid, requestID: context.requestID, event: "compute__do_container_commit", at: now)
        do {
            let id = try await calls.commit(container, repository: repository, tag: tag)
            try await store.updateContainer(uuid: container.uuid) { $0.taskState = nil }
            try await store.finishEvent(containerUUID: container.uuid, requestID: context.requestID, event: "compute__do_container_commit", result: "Success", traceback: nil, at: Date())
            try await store.finishAction(containerUUID: container.uuid, requestID: context.requestID, failed: false, at: Date())
            return try JSONResponse.make(JSONValue.object(["uuid": .string(id)]), status: .accepted)
        } catch {
            _ = try? await store.updateContainer(uuid: container.uuid) { $0.taskState = nil }
            try? await store.finishEvent(containerUUID: container.uuid, requestID: context.requestID, event: "compute__do_container_commit", result: "Error", traceback: "\(error)", at: Date())
            try? await store.finishAction(containerUUID: container.uuid, requestID: context.requestID, failed: true, at: Date())
            throw error
        }
    }

    /// Applies PATCH-able fields: cpu and memory on the running container first (by its host), then every
    /// given field in the record. Shared by PATCH and resize_container.
    private func apply(_ spec: CreateContainerRequest, to container: Container) async throws -> Container {
        if spec.cpu != nil || spec.memory != nil {
            try await nodeCalls(for: container).update(of: container, cpu: spec.cpu, memoryMB: spec.memory)
        }
        let updated = try await store.updateContainer(uuid: container.uuid) { c in
            if let name = spec.name { c.name = name }
            if let autoHeal = spec.autoHeal { c.autoHeal = autoHeal }
            if let cpu = spec.cpu { c.cpu = cpu }
            if let memory = spec.memory { c.memory = String(memory) }
        }
        guard let updated else { throw ZunError.containerNotFound(container.uuid) }
        return updated
    }

    /// `POST …/resize_container` (1.19+): new cpu and/or memory applied by the host; 202 with the view as it
    /// was before the change, and no quota check, as in Zun.
    private func resize(_ request: Request, _ context: ZunRequestContext) async throws -> Response {
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(["cpu", "memory", "name", "auto_heal"])
        var fields: [String: JSONValue] = [:]
        if let cpu = params.values["cpu"] { fields["cpu"] = .string(cpu) }
        if let memory = params.values["memory"] { fields["memory"] = .string(memory) }
        let spec = try CreateContainerValidator(version: .maximum).validateProperties(fields)
        let container = try await lookup(request, context)
        try policy.enforce("container:resize_container", context.identity, targetProject: container.projectID)
        try ContainerStateRules.check(action: "resize_container", container: container)
        if spec.cpu != nil || spec.memory != nil { _ = try await apply(spec, to: container) }
        return try JSONResponse.make(
            ContainerView.render(container, hostURL: request.hostURL, identity: context.identity, policy: policy), status: .accepted
        )
    }

    /// `POST …/rename?name=` (1.1–1.13; PATCH `name` replaces it).
    @Sendable func rename(_ request: Request, context: ZunRequestContext) async throws -> Response {
        if context.apiVersion > APIVersion(1, 13) { throw APIVersionNegotiation.notSupported(context.apiVersion) }
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(["name"])
        guard let name = params.values["name"] else { throw ZunError.schemaValidation("'name' is a required property") }
        _ = try SchemaChecks.string("name", .string(name), nullable: false, minLength: 2, maxLength: 255, pattern: .name)
        let container = try await lookup(request, context)
        try policy.enforce("container:rename", context.identity, targetProject: container.projectID)
        if container.name == name { throw ZunError.conflict("The new name for the container is the same as the old name.") }
        let updated = try await store.updateContainer(uuid: container.uuid) { $0.name = name }
        guard let updated else { throw ZunError.containerNotFound(container.uuid) }
        return try JSONResponse.make(ContainerView.render(updated, hostURL: request.hostURL, identity: context.identity, policy: policy))
    }

    // MARK: Logs

    @Sendable func logs(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(["stdout", "stderr", "timestamps", "tail", "since"])
        var options = LogOptions(
            stdout: try params.bool("stdout", default: true), stderr: try params.bool("stderr", default: true),
            timestamps: try params.bool("timestamps")
        )
        // As Zun: anything that is not a non-negative integer means every line.
        options.tail = params.values["tail"].flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
        // python-zunclient sends `since=None` when the user gave none.
        if let since = params.values["since"], since != "None", !since.isEmpty { options.since = try Self.parseSince(since) }
        let container = try await lookup(request, context)
        try policy.enforce("container:logs", context.identity, targetProject: container.projectID)
        try ContainerStateRules.check(action: "logs", container: container)
        let text = try await nodeCalls(for: container).logs(of: container, options: options)
        return try JSONResponse.make(JSONValue.string(text))
    }

    /// `since` is unix seconds or `YYYY-MM-DD HH:MM:SS,fff` (UTC).
    static func parseSince(_ value: String) throws -> Int {
        if let seconds = Int(value), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd HH:mm:ss,SSS", "yyyy-MM-dd HH:mm:ss"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) { return Int(date.timeIntervalSince1970) }
        }
        throw ZunError.invalidValue("Invalid since: \(value). Use a unix timestamp or 'YYYY-MM-DD HH:MM:SS,fff'.")
    }

    // MARK: Actions

    @Sendable func actions(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let container = try await lookup(request, context)
        try policy.enforce("container:actions", context.identity, targetProject: container.projectID)
        let actions = try await store.actions(containerUUID: container.uuid)
        return try JSONResponse.make(JSONValue.object([
            "containerActions": .array(actions.map { .object(ActionView.render($0)) })
        ]))
    }

    @Sendable func action(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let container = try await lookup(request, context)
        try policy.enforce("container:actions", context.identity, targetProject: container.projectID)
        let requestID = try context.parameters.require("request_id")
        guard let action = try await store.action(containerUUID: container.uuid, requestID: requestID), let id = action.id else {
            throw ZunError.resourceNotFound("Action", requestID)
        }
        let showTraceback = policy.allows("container:action:events", context.identity)
        var view = ActionView.render(action)
        view["events"] = .array(try await store.events(actionID: id).map { ActionView.render($0, showTraceback: showTraceback) })
        return try JSONResponse.make(JSONValue.object(view))
    }
}
