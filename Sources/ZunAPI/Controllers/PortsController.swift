import Foundation
import Hummingbird
import ZunCore
import ZunStore

/// `/v1/ports`: an address on a network, made ahead of a container (Neutron's port, without Neutron). A
/// container given `nets: [{"port": …}]` takes it; deleting the container only unbinds it
/// (`preserve_on_delete`), so the address can move to the next container.
struct PortsController {
    let dependencies: APIDependencies
    var store: any NetworkRecords { dependencies.store }
    var policy: Policy { dependencies.configuration.policy }
    var resources: RequestedResources { RequestedResources(dependencies: dependencies) }

    var routes: RouteCollection<ZunRequestContext> {
        let routes = RouteCollection(context: ZunRequestContext.self)
        routes.post("/", use: create)
        routes.get("/", use: list)
        routes.get("/{ident}", use: show)
        routes.delete("/{ident}", use: delete)
        return routes
    }

    @Sendable func create(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try policy.enforce(.portCreate, context.caller)
        let body = try await JSONBody.object(request, context)
        for key in body.keys where !["network", "fixed_ip", "name"].contains(key) {
            throw ZunError.schemaValidation("Additional properties are not allowed ('\(key)' was unexpected)")
        }
        guard let networkValue = body["network"], let ident = try SchemaChecks.string("network", networkValue, nullable: false, minLength: 1, maxLength: 255)
        else { throw ZunError.schemaValidation("'network' is a required property") }
        let network = try await resources.network(ident, context.caller)
        let name = try body["name"].flatMap { try SchemaChecks.string("name", $0, minLength: 2, maxLength: 255, pattern: .name) }
        let fixed = try body["fixed_ip"].flatMap { try SchemaChecks.string("fixed_ip", $0) }.map(RequestedResources.ipv4)
        var port = NetworkPort(
            uuid: RandomUUID.make(), networkUUID: network.uuid, projectID: try context.caller.projectID,
            containerUUID: nil, ipv4: fixed, ipv6: nil, preserveOnDelete: true, createdAt: dependencies.clock.now
        )
        port.name = name
        try await dependencies.checkQuota(project: port.projectID, delta: QuotaUsage(ports: 1))
        let created = try await store.createPort(port)
        return try JSONResponse.make(PortView.render(created), status: .created)
    }

    @Sendable func list(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try policy.enforce(.portGetAll, context.caller)
        let scope = try await ActionParameters.listScope(request, context, policy: policy, allProjectsRule: .portGetAllAllProjects)
        let ports = try await store.ports(projectID: scope)
        return try JSONResponse.make(JSONValue.object(["ports": .array(ports.map(PortView.render))]))
    }

    @Sendable func show(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let port = try await resources.lookupPort(try context.parameters.require("ident"), context.caller)
        try policy.enforce(.portGet, context.caller, targetProject: port.projectID)
        return try JSONResponse.make(PortView.render(port))
    }

    /// A port a container holds is refused with 409.
    @Sendable func delete(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let port = try await resources.lookupPort(try context.parameters.require("ident"), context.caller)
        try policy.enforce(.portDelete, context.caller, targetProject: port.projectID)
        try await store.deletePort(uuid: port.uuid)
        return JSONResponse.empty(.noContent)
    }
}

enum PortView {
    static func render(_ p: NetworkPort) -> JSONValue {
        var ips: [JSONValue] = []
        if let v4 = p.ipv4 { ips.append(.object(["ip_address": .string(v4), "version": .int(4)])) }
        if let v6 = p.ipv6 { ips.append(.object(["ip_address": .string(v6), "version": .int(6)])) }
        return .object([
            "uuid": .string(p.uuid), "name": p.name.map(JSONValue.string) ?? .null, "network_id": .string(p.networkUUID),
            "project_id": .string(p.projectID), "container_uuid": p.containerUUID.map(JSONValue.string) ?? .null,
            "fixed_ips": .array(ips), "preserve_on_delete": .bool(p.preserveOnDelete),
            "created_at": .string(ZunTimestamp.spaced(p.createdAt)),
        ])
    }
}
