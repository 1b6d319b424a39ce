import Foundation
import Hummingbird
import ZunCore
import ZunStore

/// A container's networks: `network_attach` (1.8+), `network_detach` (1.6+), `network_list` (1.13+), and
/// the security group actions kept for API compatibility (1.1–1.14).
struct ContainerNetworksController {
    let access: ContainerAccess
    var store: any ContainerRecords & NetworkRecords { access.dependencies.store }
    var policy: Policy { access.policy }
    var dependencies: APIDependencies { access.dependencies }

    var routes: RouteCollection<ZunRequestContext> {
        let routes = RouteCollection(context: ZunRequestContext.self)
        routes.post("/{ident}/network_attach", use: networkAttach)
        routes.post("/{ident}/network_detach", use: networkDetach)
        routes.get("/{ident}/network_list", use: networkList)
        routes.post("/{ident}/add_security_group") { request, context in
            try await changeSecurityGroup(request, context: context, add: true)
        }
        routes.post("/{ident}/remove_security_group") { request, context in
            try await changeSecurityGroup(request, context: context, add: false)
        }
        return routes
    }

    @Sendable func networkAttach(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try APIVersionNegotiation.require("network_attach", from: APIVersion(1, 8), requested: context.apiVersion)
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(["network", "port", "fixed_ip"])
        let container = try await access.authorize(ContainerOperations.networkAttach, request, context)
        if params.values["network"] != nil, params.values["port"] != nil {
            throw ZunError.invalidValue("Specifying both network and port is not allowed.")
        }
        var nets: [String: String] = [:]
        if let port = params.values["port"] { nets["port"] = port }
        if let network = params.values["network"] { nets["network"] = network }
        if let fixed = params.values["fixed_ip"] {
            if IPv4Address(fixed) != nil { nets["v4-fixed-ip"] = fixed } else { nets["v6-fixed-ip"] = try RequestedResources.ipv6(fixed) }
        }
        let resources = RequestedResources(dependencies: dependencies)
        var attachment: NetworkAttachment
        if nets["network"] == nil, nets["port"] == nil {
            // No network and no port: the project's default network, as on create.
            attachment = try await resources.networks(nil, context.caller)[0]
            attachment.ipv4 = nets["v4-fixed-ip"]
            attachment.ipv6 = nets["v6-fixed-ip"]
        } else {
            attachment = try await resources.networks([nets], context.caller)[0]
        }
        if container.networks?.contains(where: { $0.networkUUID == attachment.networkUUID }) == true {
            throw ZunError.invalidValue("Container \(container.uuid) is already connected to network \(attachment.networkUUID).")
        }
        guard let host = container.host else { throw ZunError.invalidValue("Cannot operate an uncreated container.") }
        if !attachment.existingPort {
            try await dependencies.checkQuota(project: container.projectID, delta: QuotaUsage(ports: 1))
        }
        let now = access.clock.now
        var payload = ComputeTask.Payload(requestID: context.requestID)
        payload.network = attachment.networkUUID
        guard try await store.attachNetwork(
            containerUUID: container.uuid, attachment, action: access.action(ContainerOperations.networkAttach, container, context, now),
            task: access.task(ContainerOperations.networkAttach, host, container, payload, now)
        ) != nil else { throw ZunError.containerNotFound(container.uuid) }
        return try JSONResponse.make(JSONValue.null)
    }

    @Sendable func networkDetach(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try APIVersionNegotiation.require("network_detach", from: APIVersion(1, 6), requested: context.apiVersion)
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(["network", "port"])
        let container = try await access.authorize(ContainerOperations.networkDetach, request, context)
        let networkUUID: String
        switch (params.values["network"], params.values["port"]) {
        case (let network?, nil):
            networkUUID = try await RequestedResources(dependencies: dependencies).network(network, context.caller).uuid
        case (nil, let port?):
            guard let attachment = container.networks?.first(where: { $0.portUUID == port.lowercased() }) else {
                throw ZunError.invalidValue("Port \(port) is not attached to container \(container.uuid).")
            }
            networkUUID = attachment.networkUUID
        default:
            throw ZunError.schemaValidation("Exactly one of network and port must be given.")
        }
        guard container.networks?.contains(where: { $0.networkUUID == networkUUID }) == true else {
            throw ZunError.invalidValue("Container \(container.uuid) is not connected to network \(networkUUID).")
        }
        guard let host = container.host, container.containerID != nil else {
            // Nothing on an engine yet: the records alone change.
            try await store.detachNetwork(containerUUID: container.uuid, networkUUID: networkUUID)
            return JSONResponse.empty(.accepted)
        }
        let now = access.clock.now
        var payload = ComputeTask.Payload(requestID: context.requestID)
        payload.network = networkUUID
        try await store.updateContainer(
            uuid: container.uuid, actions: [access.action(ContainerOperations.networkDetach, container, context, now)],
            tasks: [access.task(ContainerOperations.networkDetach, host, container, payload, now)]
        ) { _ in }
        return JSONResponse.empty(.accepted)
    }

    /// `add_security_group` / `remove_security_group` (1.1–1.14): security groups are kept for API
    /// compatibility; the isolation they would give comes from networks here (one bridge per network).
    @Sendable func changeSecurityGroup(_ request: Request, context: ZunRequestContext, add: Bool) async throws -> Response {
        let operation = add ? ContainerOperations.addSecurityGroup : ContainerOperations.removeSecurityGroup
        try APIVersionNegotiation.require(operation.name, to: APIVersion(1, 14), requested: context.apiVersion)
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(["name"])
        guard let name = params.values["name"], !name.isEmpty, name.count <= 255 else {
            throw ZunError.schemaValidation("'name' is a required property")
        }
        let container = try await access.authorize(operation, request, context)
        if add, container.securityGroups.contains(name) {
            throw ZunError.conflict("Security group \(name) is already added to container \(container.uuid).")
        }
        if !add, !container.securityGroups.contains(name) {
            throw ZunError.invalidValue("Security group \(name) is not added to container \(container.uuid).")
        }
        let now = access.clock.now
        var record = try access.action(operation, container, context, now)
        record.finishTime = now
        try await store.updateContainer(uuid: container.uuid, actions: [record], tasks: []) { latest in
            if add { latest.securityGroups.append(name) } else { latest.securityGroups.removeAll { $0 == name } }
        }
        return JSONResponse.empty(.accepted)
    }

    /// One entry per network (1.18+, with a `fixed_ips` list) or per address (1.13–1.17).
    @Sendable func networkList(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try APIVersionNegotiation.require("network_list", from: APIVersion(1, 13), requested: context.apiVersion)
        let container = try await access.authorize(ContainerOperations.networkList, request, context)
        var entries: [JSONValue] = []
        for attachment in container.networks ?? [] {
            var ips: [(String, Int)] = []
            if let v4 = attachment.ipv4 { ips.append((v4, 4)) }
            if let v6 = attachment.ipv6 ?? container.addresses?[attachment.networkUUID]?.first(where: { $0.version == 6 })?.addr {
                ips.append((v6, 6))
            }
            if context.apiVersion >= APIVersion(1, 18) {
                entries.append(.object([
                    "net_id": .string(attachment.networkUUID), "port_id": .string(attachment.portUUID),
                    "fixed_ips": .array(ips.map { .object(["ip_address": .string($0.0), "version": .int($0.1), "subnet_id": .null]) }),
                ]))
            } else {
                for (ip, version) in ips {
                    entries.append(.object([
                        "net_id": .string(attachment.networkUUID), "port_id": .string(attachment.portUUID), "subnet_id": .null,
                        "version": .int(version), "ip_address": .string(ip),
                    ]))
                }
            }
        }
        return try JSONResponse.make(JSONValue.object(["networks": .array(entries)]))
    }
}
