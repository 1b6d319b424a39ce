import Foundation
import Hummingbird
import Logging
import ZunCore
import ZunScheduler
import ZunStore

/// `/v1/containers` and `/v1/containers/{ident}`: create, list, show, update (PATCH), rename and delete.
struct ContainerCRUDController {
    let access: ContainerAccess
    let placement: ContainerPlacement
    var store: any ContainerRecords & HostInventory { access.dependencies.store }
    var policy: Policy { access.policy }
    var configuration: APIConfiguration { access.dependencies.configuration }

    var routes: RouteCollection<ZunRequestContext> {
        let routes = RouteCollection(context: ZunRequestContext.self)
        routes.post("/", use: create)
        routes.get("/", use: list)
        routes.get("/{ident}", use: show)
        routes.patch("/{ident}", use: update)
        routes.post("/{ident}/rename", use: rename)
        routes.delete("/{ident}", use: delete)
        return routes
    }

    // MARK: Create

    /// Zun's create flow (docs/architecture.md, "The create flow"): content type, body schema for the
    /// microversion, policy, defaults, schedule, then container + action + task in one transaction, and 202
    /// with `Location`.
    @Sendable func create(_ request: Request, context: ZunRequestContext) async throws -> Response {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw ZunError(.unsupportedMediaType, code: "", message: "The server does not support the media type of the request; use application/json.", title: "Unsupported Media Type")
        }
        let query = ActionParameters(values: ActionParameters.queryValues(request))
        try query.requireOnly(["run"])
        let run = try query.bool("run")
        let identity = try context.caller
        try policy.enforce(ContainerOperations.create.policy, identity, targetProject: identity.projectID)

        let buffer = try await request.collectBody(upTo: RequestBodyLimits.json)
        let body: JSONValue
        do {
            body = try JSONResponse.decoder.decode(JSONValue.self, from: buffer)
        } catch {
            throw ZunError.schemaValidation("The request body is not valid JSON.")
        }
        let spec = try CreateContainerValidator(version: context.apiVersion).validate(body)
        try enforceCreatePolicies(spec, identity)
        try ImageVisibility.check(spec.image, identity)
        if let registry = spec.registry {
            throw ZunError(.notFound, code: "registry-not-found", message: "Registry \(registry) could not be found.")
        }
        if let host = spec.host, try await store.computeNode(ident: host) == nil {
            throw ZunError.requestedHostNotFound(host)
        }

        var container = NewContainer.make(spec, identity, configuration: configuration, now: access.clock.now)
        // Hints are checked before anything is written (a project's default network, say): a refused
        // request changes nothing.
        var schedulingRequest = try await placement.request(
            for: container, requestedHost: spec.host, hintScope: .caller(project: identity.isAdmin ? nil : identity.projectID)
        )
        let resources = RequestedResources(dependencies: access.dependencies)
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
            access.view(placed, request, context), status: .accepted, headers: [.location: "\(host)/v1/containers/\(placed.uuid)"]
        )
    }

    private func enforceCreatePolicies(_ spec: CreateContainerRequest, _ identity: Identity) throws {
        if spec.runtime != nil { try policy.enforce(.containerCreateRuntime, identity) }
        if spec.privileged == true { try policy.enforce(.containerCreatePrivileged, identity) }
        if spec.imagePullPolicy != nil { try policy.enforce(.containerCreateImagePullPolicy, identity) }
        if spec.host != nil { try policy.enforce(.containerCreateRequestedDestination, identity) }
    }

    // MARK: List and show

    @Sendable func list(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(ContainerQuery.filterColumns.union(["all_projects", "limit", "marker", "sort_key", "sort_dir", "expand", "resource_url"]))
        let identity = try context.caller
        try policy.enforce(.containerGetAll, identity, targetProject: identity.projectID)
        let allProjects = try params.bool("all_projects")
        if allProjects { try policy.enforce(.containerGetAllAllProjects, identity) }

        var filters: [String: String] = [:]
        for column in ContainerQuery.filterColumns {
            guard let value = params.values[column] else { continue }
            // Zun checks `container:get_one:<field>` for each filter, when such a rule exists.
            if let rule = PolicyRule.containerField(column) { try policy.enforce(rule, identity) }
            filters[column] = column == "auto_remove" ? String(try StrictBool.parse(value, name: column)) : value
        }
        let paging = try Paging(params, maxLimit: configuration.maxLimit, defaultSortKey: "id", sortKeys: ContainerQuery.sortColumns)
        let containers = try await store.listContainers(ContainerQuery(
            filters: filters, projectID: allProjects ? nil : identity.projectID, sortKey: paging.sortKey,
            ascending: paging.ascending, limit: paging.limit, marker: paging.marker
        ))
        let host = request.hostURL
        return try JSONResponse.make(JSONValue.object([
            "containers": .array(try containers.map { try access.view($0, request, context) }),
            "next": paging.next(lastUUID: containers.last?.uuid, count: containers.count, url: "\(host)/v1/containers"),
        ]))
    }

    @Sendable func show(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let container = try await access.lookup(request, context)
        try policy.enforce(.containerGetOne, context.caller, targetProject: container.projectID)
        return try JSONResponse.make(access.view(container, request, context))
    }

    // MARK: Update and rename

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
        let container = try await access.authorize(ContainerOperations.update, request, context)
        let updated = try await ContainerUpdate(access: access).apply(spec, to: container)
        return try JSONResponse.make(access.view(updated, request, context))
    }

    /// `POST …/rename?name=` (1.1–1.13; PATCH `name` replaces it).
    @Sendable func rename(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try APIVersionNegotiation.require("rename", to: APIVersion(1, 13), requested: context.apiVersion)
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(["name"])
        guard let name = params.values["name"] else { throw ZunError.schemaValidation("'name' is a required property") }
        _ = try SchemaChecks.string("name", .string(name), nullable: false, minLength: 2, maxLength: 255, pattern: .name)
        let container = try await access.authorize(ContainerOperations.rename, request, context)
        if container.name == name { throw ZunError.conflict("The new name for the container is the same as the old name.") }
        let updated = try await store.updateContainer(uuid: container.uuid) { $0.name = name }
        guard let updated else { throw ZunError.containerNotFound(container.uuid) }
        return try JSONResponse.make(access.view(updated, request, context))
    }

    // MARK: Delete

    /// `DELETE …[?force=True|stop=True]`: a container never placed goes at once; otherwise its host's task
    /// removes the engine container (after a stop when asked) and then the record.
    @Sendable func delete(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(["force", "stop", "all_projects"])
        let force = try params.bool("force")
        let stop = try params.bool("stop")
        if try params.bool("all_projects") { try policy.enforce(.containerDeleteAllProjects, context.caller) }
        let container = try await access.lookup(request, context)
        let identity = try context.caller
        try policy.enforce(ContainerOperations.delete.policy, identity, targetProject: container.projectID)

        if stop {
            if context.apiVersion < APIVersion(1, 12) { throw ZunError.invalidParamInVersion("stop", version: context.apiVersion) }
            try ContainerOperations.deleteAfterStop.checkState(of: container)
        } else if force {
            if context.apiVersion < APIVersion(1, 7) { throw ZunError.invalidParamInVersion("force", version: context.apiVersion) }
            try policy.enforce(ContainerOperations.deleteForce.policy, identity)
            try ContainerOperations.deleteForce.checkState(of: container)
        } else {
            try ContainerOperations.delete.checkState(of: container)
        }

        guard let host = container.host else {
            try await store.destroyContainer(uuid: container.uuid)
            return JSONResponse.empty(.noContent)
        }
        var actions: [ContainerAction] = []
        var tasks: [ComputeTask] = []
        let now = access.clock.now
        if stop && container.status == .running {
            let stopOperation = ContainerOperations.stop
            try policy.enforce(stopOperation.policy, identity, targetProject: container.projectID)
            actions.append(try access.action(stopOperation, container, context, now))
            tasks.append(access.task(stopOperation, host, container, .init(requestID: context.requestID, timeout: 10), now))
        }
        let deleteOperation = ContainerOperations.delete
        actions.append(try access.action(deleteOperation, container, context, now))
        tasks.append(access.task(deleteOperation, host, container, .init(requestID: context.requestID, force: force), now))
        try await store.updateContainer(uuid: container.uuid, actions: actions, tasks: tasks) { $0.status = .deleting }
        return JSONResponse.empty(.noContent)
    }
}
