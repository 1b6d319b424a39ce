import Hummingbird
import ZunCore
import ZunStore

/// `/v1/hosts` (1.4+, admin only).
struct HostsController {
    let dependencies: APIDependencies
    var policy: Policy { dependencies.configuration.policy }

    var routes: RouteCollection<ZunRequestContext> {
        let routes = RouteCollection(context: ZunRequestContext.self)
        routes.get("/", use: list)
        routes.get("/{ident}", use: show)
        return routes
    }

    @Sendable func list(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try requireVersion(context)
        try policy.enforce(.hostGetAll, context.caller)
        let params = try await ActionParameters.read(request, context: context)
        let sortKeys: Set<String> = ["hostname", "uuid", "cpus", "mem_total", "disk_total", "id"]
        let paging = try Paging(params, maxLimit: dependencies.configuration.maxLimit, defaultSortKey: "hostname", sortKeys: sortKeys)
        var nodes = try await dependencies.store.computeNodes()
        nodes.sort { lhs, rhs in
            let ordered: Bool
            switch paging.sortKey {
            case "uuid": ordered = lhs.uuid < rhs.uuid
            case "cpus": ordered = lhs.cpus < rhs.cpus
            case "mem_total": ordered = lhs.memTotal < rhs.memTotal
            case "disk_total": ordered = lhs.diskTotal < rhs.diskTotal
            default: ordered = lhs.hostname < rhs.hostname
            }
            return paging.ascending ? ordered : !ordered
        }
        if let marker = paging.marker {
            guard let index = nodes.firstIndex(where: { $0.uuid == marker }) else { throw ZunError.computeNodeNotFound(marker) }
            nodes = Array(nodes[(index + 1)...])
        }
        let page = Array(nodes.prefix(paging.limit))
        let usage = try await dependencies.store.hostUsage()
        let host = request.hostURL
        return try JSONResponse.make(JSONValue.object([
            "hosts": .array(page.map { HostView.render($0, usage: usage[$0.hostname], hostURL: host) }),
            "next": paging.next(lastUUID: page.last?.uuid, count: page.count, url: "\(host)/v1/hosts"),
        ]))
    }

    @Sendable func show(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try requireVersion(context)
        try policy.enforce(.hostGet, context.caller)
        let ident = try context.parameters.require("ident")
        guard let node = try await dependencies.store.computeNode(ident: ident) else { throw ZunError.computeNodeNotFound(ident) }
        let usage = try await dependencies.store.hostUsage()
        return try JSONResponse.make(HostView.render(node, usage: usage[node.hostname], hostURL: request.hostURL))
    }

    private func requireVersion(_ context: ZunRequestContext) throws {
        try APIVersionNegotiation.require("hosts", from: APIVersion(1, 4), requested: context.apiVersion)
    }
}
