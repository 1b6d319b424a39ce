import Foundation
import Hummingbird
import ZunCore
import ZunStore

/// `/v1/volumes`: named volumes a container can mount with `mounts: [{source: <name or uuid>, destination}]`
/// (Cinder's part, without Cinder). A volume's data lives on the host of the first container that mounts it;
/// later containers that mount it are placed on that host. A mounted volume cannot be deleted (409).
struct VolumesController {
    let dependencies: APIDependencies
    var store: any VolumeRecords { dependencies.store }
    var policy: Policy { dependencies.configuration.policy }

    var routes: RouteCollection<ZunRequestContext> {
        let routes = RouteCollection(context: ZunRequestContext.self)
        routes.post("/", use: create)
        routes.get("/", use: list)
        routes.get("/{ident}", use: show)
        routes.delete("/{ident}", use: delete)
        return routes
    }

    @Sendable func create(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try policy.enforce(.volumeCreate, context.caller)
        let body = try await JSONBody.object(request, context)
        for key in body.keys where !["name", "size"].contains(key) {
            throw ZunError.schemaValidation("Additional properties are not allowed ('\(key)' was unexpected)")
        }
        guard let nameValue = body["name"], let name = try SchemaChecks.string("name", nameValue, nullable: false, minLength: 2, maxLength: 255, pattern: .name)
        else { throw ZunError.schemaValidation("'name' is a required property") }
        if try await !store.volumes(named: name, projectID: context.caller.projectID).isEmpty {
            throw ZunError(.conflict, code: "volume-already-exists", message: "A volume named \(name) already exists.")
        }
        let size: Int?
        switch body["size"] {
        case nil, .null?: size = nil
        case .int(let n)? where (1...RequestBounds.volumeSizeGB).contains(n): size = n
        case .string(let s)? where Pattern.digits.matches(s) && (1...RequestBounds.volumeSizeGB).contains(Int(s) ?? 0): size = Int(s)
        case let other?: throw SchemaChecks.fieldError("size", other, "\(other.pythonRepr) is not an integer between 1 and \(RequestBounds.volumeSizeGB)")
        }
        let volume = Volume(
            uuid: RandomUUID.make(), name: name, projectID: try context.caller.projectID, userID: try context.caller.userID,
            kind: .volume, size: size, autoRemove: false, createdAt: dependencies.clock.now
        )
        try await dependencies.checkQuota(project: volume.projectID, delta: QuotaUsage(volumes: 1))
        try await store.createVolume(volume)
        return try JSONResponse.make(VolumeView.render(volume, users: []), status: .created)
    }

    @Sendable func list(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try policy.enforce(.volumeGetAll, context.caller)
        let scope = try await ActionParameters.listScope(request, context, policy: policy, allProjectsRule: .volumeGetAllAllProjects)
        let volumes = try await store.listVolumes(projectID: scope)
        return try JSONResponse.make(JSONValue.object(["volumes": .array(volumes.map { VolumeView.render($0, users: nil) })]))
    }

    @Sendable func show(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let volume = try await lookup(request, context)
        try policy.enforce(.volumeGet, context.caller, targetProject: volume.projectID)
        return try JSONResponse.make(VolumeView.render(volume, users: try await store.volumeUsers(uuid: volume.uuid)))
    }

    @Sendable func delete(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let volume = try await lookup(request, context)
        try policy.enforce(.volumeDelete, context.caller, targetProject: volume.projectID)
        // The record goes now; the host's Docker volume is removed by its agent's orphan sweep.
        try await store.deleteVolume(uuid: volume.uuid)
        return JSONResponse.empty(.noContent)
    }

    private func lookup(_ request: Request, _ context: ZunRequestContext) async throws -> Volume {
        let ident = try context.parameters.require("ident")
        return try await RequestedResources(dependencies: dependencies).volume(ident, context.caller)
    }
}

enum VolumeView {
    static func render(_ v: Volume, users: [String]?) -> JSONValue {
        var view: [String: JSONValue] = [
            "uuid": .string(v.uuid), "name": .string(v.name), "project_id": .string(v.projectID), "user_id": .string(v.userID),
            "type": .string(v.kind.rawValue), "size": v.size.map { .int($0) } ?? .null, "auto_remove": .bool(v.autoRemove),
            "host": v.host.map(JSONValue.string) ?? .null, "created_at": .string(ZunTimestamp.spaced(v.createdAt)),
        ]
        if let users { view["containers"] = .array(users.map(JSONValue.string)) }
        return .object(view)
    }
}
