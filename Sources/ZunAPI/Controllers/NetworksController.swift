import Foundation
import Hummingbird
import ZunCore
import ZunStore

/// `/v1/networks`: network records (docs/zun-compatibility.md, "Networks", without Neutron). Creating and deleting need
/// `role:admin` as in Zun; projects see their own networks and shared ones. A network becomes a Docker
/// network on a host only when a container there first joins it.
struct NetworksController {
    let dependencies: APIDependencies
    var store: any NetworkRecords { dependencies.store }
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
        try policy.enforce(.networkCreate, context.caller)
        let body = try await JSONBody.object(request, context)
        let allowed: Set<String> = ["name", "neutron_net_id", "shared", "project_id", "subnet", "gateway", "ipv6_subnet", "ipv6_gateway"]
        for key in body.keys where !allowed.contains(key) {
            throw ZunError.schemaValidation("Additional properties are not allowed ('\(key)' was unexpected)")
        }
        guard let nameValue = body["name"], let name = try SchemaChecks.string("name", nameValue, nullable: false, minLength: 2, maxLength: 255, pattern: .name)
        else { throw ZunError.schemaValidation("'name' is a required property") }
        var network = Network(
            uuid: RandomUUID.make(), name: name,
            projectID: try body["project_id"].flatMap { try SchemaChecks.string("project_id", $0, minLength: 1, maxLength: 255) } ?? (try context.caller.projectID),
            userID: try context.caller.userID,
            shared: try body["shared"].flatMap { try SchemaChecks.looseBool("shared", $0) } ?? false,
            createdAt: dependencies.clock.now
        )
        if let subnet = try body["subnet"].flatMap({ try SchemaChecks.string("subnet", $0) }) {
            guard let cidr = IPv4Subnet(subnet), cidr.prefixLength <= 30 else {
                throw ZunError.invalidValue("Invalid IPv4 subnet \(subnet): use a.b.c.d/n with n ≤ 30.")
            }
            let gateway = try body["gateway"].flatMap { try SchemaChecks.string("gateway", $0) } ?? cidr.firstHost.description
            guard let address = IPv4Address(gateway), cidr.isAssignable(address, excluding: []) else {
                throw ZunError.invalidValue("Gateway \(gateway) is not an address of subnet \(cidr).")
            }
            network.subnets.append(Subnet(cidr: cidr.description, gateway: address.description, ipVersion: 4))
        } else if body["gateway"] != nil, body["gateway"] != .null {
            throw ZunError.invalidValue("A gateway needs a subnet.")
        }
        if let subnet = try body["ipv6_subnet"].flatMap({ try SchemaChecks.string("ipv6_subnet", $0) }) {
            let parts = subnet.split(separator: "/")
            guard parts.count == 2, let prefix = Int(parts[1]), (1...126).contains(prefix), (try? RequestedResources.ipv6(String(parts[0]))) != nil else {
                throw ZunError.invalidValue("Invalid IPv6 subnet \(subnet).")
            }
            let gateway = try body["ipv6_gateway"].flatMap { try SchemaChecks.string("ipv6_gateway", $0) }
            if let gateway { _ = try RequestedResources.ipv6(gateway) }
            network.subnets.append(Subnet(cidr: subnet, gateway: gateway, ipVersion: 6))
        }
        try await dependencies.checkQuota(project: network.projectID, delta: QuotaUsage(networks: 1))
        let created = try await store.createNetwork(network, pool: dependencies.configuration.subnetPool)
        return try JSONResponse.make(NetworkView.render(created, hosts: [], hostURL: request.hostURL))
    }

    @Sendable func list(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try policy.enforce(.networkGetAll, context.caller)
        let scope = try await ActionParameters.listScope(request, context, policy: policy, allProjectsRule: .networkGetAllAllProjects)
        let networks = try await store.listNetworks(visibleTo: scope)
        return try JSONResponse.make(JSONValue.object([
            "networks": .array(networks.map { NetworkView.render($0, hosts: nil, hostURL: request.hostURL) }),
        ]))
    }

    @Sendable func show(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let network = try await lookup(request, context)
        try policy.enforce(.networkGet, context.caller, targetProject: network.shared ? context.caller.projectID : network.projectID)
        let hosts = try await store.networkHosts(uuid: network.uuid)
        return try JSONResponse.make(NetworkView.render(network, hosts: hosts, hostURL: request.hostURL))
    }

    /// 1.27+ like Zun's. A network some container uses is refused with 409.
    @Sendable func delete(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try APIVersionNegotiation.require("network delete", from: APIVersion(1, 27), requested: context.apiVersion)
        try policy.enforce(.networkDelete, context.caller)
        let network = try await lookup(request, context)
        try await store.deleteNetwork(uuid: network.uuid)
        dependencies.defaultNetworks.forget(networkUUID: network.uuid)
        return JSONResponse.empty(.noContent)
    }

    private func lookup(_ request: Request, _ context: ZunRequestContext) async throws -> Network {
        let ident = try context.parameters.require("ident")
        return try await RequestedResources(dependencies: dependencies).network(ident, context.caller)
    }
}

enum NetworkView {
    static func render(_ n: Network, hosts: [String]?, hostURL: String) -> JSONValue {
        var view: [String: JSONValue] = [
            "uuid": .string(n.uuid), "name": .string(n.name), "project_id": .string(n.projectID), "user_id": .string(n.userID),
            "shared": .bool(n.shared),
            // Zun's fields: the engine network's name (the same on every host) and the network's own id.
            "network_id": .string(n.dockerName), "neutron_net_id": .string(n.uuid),
            "subnets": .array(n.subnets.map {
                .object(["cidr": .string($0.cidr), "gateway": $0.gateway.map(JSONValue.string) ?? .null, "ip_version": .int($0.ipVersion)])
            }),
            "created_at": .string(ZunTimestamp.spaced(n.createdAt)),
            "updated_at": n.updatedAt.map { .string(ZunTimestamp.spaced($0)) } ?? .null,
            "links": .array([
                .object(["href": .string("\(hostURL)/v1/networks/\(n.uuid)"), "rel": .string("self")]),
                .object(["href": .string("\(hostURL)/networks/\(n.uuid)"), "rel": .string("bookmark")]),
            ]),
        ]
        if let hosts { view["hosts"] = .array(hosts.map(JSONValue.string)) }
        return .object(view)
    }
}
