import Foundation
import Hummingbird
import ZunCore
import ZunStore

/// `/v1/quotas/{project_id}` and `/v1/quota_classes/{name}`, in Zun's shapes (docs/zun-compatibility.md,
/// "Quotas"): limits of containers, cpu, memory (MB) and disk (GB), -1 meaning unlimited.
struct QuotasController {
    let dependencies: APIDependencies
    var store: any QuotaRecords { dependencies.store }
    var policy: Policy { dependencies.configuration.policy }

    var quotaRoutes: RouteCollection<ZunRequestContext> {
        let routes = RouteCollection(context: ZunRequestContext.self)
        routes.get("/{project_id}", use: show)
        routes.put("/{project_id}", use: update)
        routes.delete("/{project_id}", use: delete)
        routes.get("/{project_id}/defaults", use: defaults)
        return routes
    }

    var classRoutes: RouteCollection<ZunRequestContext> {
        let routes = RouteCollection(context: ZunRequestContext.self)
        routes.get("/{name}", use: showClass)
        routes.put("/{name}", use: updateClass)
        return routes
    }

    @Sendable func show(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let project = try context.parameters.require("project_id")
        try policy.enforce(.quotaGet, context.caller, targetProject: project)
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(["usages"])
        let limits = try await effective(project)
        // As Zun: any non-empty `usages` value asks for usages.
        guard let usages = params.values["usages"], !usages.isEmpty else { return try JSONResponse.make(Self.view(limits)) }
        let inUse = try await store.quotaUsage(projectID: project)
        var view: [String: JSONValue] = [:]
        for resource in QuotaResource.allCases {
            let used: JSONValue = resource == .cpu ? .double((inUse.cpu * 1000).rounded() / 1000) : .int(Int(inUse[resource]))
            view[resource.rawValue] = .object(["limit": .int(limits[resource]), "in_use": used])
        }
        return try JSONResponse.make(JSONValue.object(view))
    }

    @Sendable func update(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let project = try context.parameters.require("project_id")
        try policy.enforce(.quotaUpdate, context.caller, targetProject: project)
        try await store.setQuotas(projectID: project, try await Self.limits(request, context))
        return try JSONResponse.make(Self.view(try await effective(project)))
    }

    @Sendable func delete(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let project = try context.parameters.require("project_id")
        try policy.enforce(.quotaDelete, context.caller, targetProject: project)
        try await store.deleteQuotas(projectID: project)
        return try JSONResponse.make(JSONValue.null)
    }

    @Sendable func defaults(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let project = try context.parameters.require("project_id")
        try policy.enforce(.quotaGetDefault, context.caller, targetProject: project)
        let limits = QuotaLimits.effective(
            project: [:], defaultClass: try await store.quotaClass(name: "default"), configured: dependencies.configuration.quotaDefaults
        )
        return try JSONResponse.make(Self.view(limits))
    }

    @Sendable func showClass(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        try policy.enforce(.quotaClassGet, context.caller)
        return try JSONResponse.make(Self.view(try await classLimits(name)))
    }

    @Sendable func updateClass(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        try policy.enforce(.quotaClassUpdate, context.caller)
        try await store.setQuotaClass(name: name, try await Self.limits(request, context))
        return try JSONResponse.make(Self.view(try await classLimits(name)))
    }

    /// The project's limits in force: its own, else the `default` class's, else the configured ones.
    private func effective(_ project: String) async throws -> QuotaLimits {
        QuotaLimits.effective(
            project: try await store.quotas(projectID: project), defaultClass: try await store.quotaClass(name: "default"),
            configured: dependencies.configuration.quotaDefaults
        )
    }

    private func classLimits(_ name: String) async throws -> QuotaLimits {
        QuotaLimits.effective(project: [:], defaultClass: try await store.quotaClass(name: name), configured: dependencies.configuration.quotaDefaults)
    }

    /// The PUT body (or query): any of the four resources, each an integer (or a string of one) ≥ -1.
    static func limits(_ request: Request, _ context: ZunRequestContext) async throws -> [String: Int] {
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(Set(QuotaResource.allCases.map(\.rawValue)))
        var limits: [String: Int] = [:]
        for resource in QuotaResource.allCases {
            guard let text = params.values[resource.rawValue] else { continue }
            guard text.wholeMatch(of: /-?[0-9]{1,12}/) != nil, let value = Int(text), value >= -1 else {
                throw ZunError.schemaValidation(
                    "Invalid input for field '\(resource.rawValue)'. Value: '\(text)'. It must be an integer of -1 (unlimited) or more."
                )
            }
            limits[resource.rawValue] = value
        }
        return limits
    }

    static func view(_ limits: QuotaLimits) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: QuotaResource.allCases.map { ($0.rawValue, JSONValue.int(limits[$0])) }))
    }
}
