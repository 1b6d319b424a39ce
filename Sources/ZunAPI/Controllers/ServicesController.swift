import Foundation
import Hummingbird
import ZunCore
import ZunStore

/// `/v1/services`: list, enable, disable, force down and delete Zun services (docs/zun-compatibility.md, "Services", admin only).
struct ServicesController {
    let dependencies: APIDependencies
    var store: any HostInventory { dependencies.store }
    var policy: Policy { dependencies.configuration.policy }

    var routes: RouteCollection<ZunRequestContext> {
        let routes = RouteCollection(context: ZunRequestContext.self)
        routes.get("/", use: list)
        routes.delete("/", use: delete)
        routes.put("/enable") { request, context in
            try await change(request, context, rule: .serviceEnable, allowed: ["host", "binary"]) { _ in
                { $0.disabled = false; $0.disabledReason = nil }
            } view: { service in
                ["host": .string(service.host), "binary": .string(service.binary), "disabled": false, "disabled_reason": .null]
            }
        }
        routes.put("/disable") { request, context in
            try await change(request, context, rule: .serviceDisable, allowed: ["host", "binary", "disabled_reason"]) { params in
                let reason = try params.values["disabled_reason"].map { try Self.checked("disabled_reason", $0) }
                return { $0.disabled = true; $0.disabledReason = reason }
            } view: { service in
                [
                    "host": .string(service.host), "binary": .string(service.binary), "disabled": true,
                    "disabled_reason": JSONValue(service.disabledReason),
                ]
            }
        }
        routes.put("/force_down") { request, context in
            try await change(request, context, rule: .serviceForceDown, allowed: ["host", "binary", "forced_down"]) { params in
                let down = try params.bool("forced_down", default: true)
                return { $0.forcedDown = down }
            } view: { service in
                ["host": .string(service.host), "binary": .string(service.binary), "forced_down": .bool(service.forcedDown)]
            }
        }
        return routes
    }

    @Sendable func list(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try policy.enforce(.serviceGetAll, context.caller)
        let now = dependencies.clock.now
        let services = try await store.services().map { service -> JSONValue in
            let up = service.isUp(now: now, downAfter: dependencies.configuration.serviceDownTime)
            return [
                "id": .int(Int(service.id ?? 0)),
                "host": .string(service.host),
                "binary": .string(service.binary),
                "availability_zone": .string(
                    service.availabilityZone.flatMap { $0.isEmpty ? nil : $0 } ?? dependencies.configuration.defaultAvailabilityZone
                ),
                "disabled": .bool(service.disabled),
                "disabled_reason": JSONValue(service.disabledReason),
                "forced_down": .bool(service.forcedDown),
                "report_count": .int(service.reportCount),
                "last_seen_up": JSONValue(service.lastSeenUp.map(ZunTimestamp.iso)),
                "created_at": JSONValue(service.createdAt.map(ZunTimestamp.iso)),
                "updated_at": JSONValue(service.updatedAt.map(ZunTimestamp.iso)),
                "state": .string(up ? "up" : "down"),
            ]
        }
        return try JSONResponse.make(JSONValue.object(["services": .array(services)]))
    }

    @Sendable func delete(_ request: Request, context: ZunRequestContext) async throws -> Response {
        try policy.enforce(.serviceDelete, context.caller)
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(["host", "binary"])
        let (host, binary) = try Self.target(params)
        guard try await store.deleteService(host: host, binary: binary) else { throw Self.notFound(host, binary) }
        return try JSONResponse.make(JSONValue.null)
    }

    /// Validates the target, applies `makeChange` to the record and renders `view` of the result.
    private func change(
        _ request: Request, _ context: ZunRequestContext, rule: PolicyRule, allowed: Set<String>,
        makeChange: (ActionParameters) throws -> @Sendable (inout ZunService) -> Void,
        view: (ZunService) -> JSONValue
    ) async throws -> Response {
        try policy.enforce(rule, context.caller)
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(allowed)
        let (host, binary) = try Self.target(params)
        let change = try makeChange(params)
        guard let service = try await store.updateService(host: host, binary: binary, change) else {
            throw Self.notFound(host, binary)
        }
        return try JSONResponse.make(JSONValue.object(["service": view(service)]))
    }

    static func target(_ params: ActionParameters) throws -> (String, String) {
        guard let host = params.values["host"] else { throw ZunError.schemaValidation("'host' is a required property") }
        guard let binary = params.values["binary"] else { throw ZunError.schemaValidation("'binary' is a required property") }
        guard Pattern.hostname.matches(host) else {
            throw ZunError.schemaValidation("Invalid input for query parameters 'host'. Value: '\(host)'. '\(host)' does not match '\(Pattern.hostname.text)'")
        }
        return (try checked("host", host), try checked("binary", binary))
    }

    /// 1–255 characters, as Zun's query schema says.
    static func checked(_ name: String, _ value: String) throws -> String {
        guard (1...255).contains(value.count) else {
            throw ZunError.schemaValidation("Invalid input for query parameters '\(name)'. Value: '\(value)'. '\(value)' is \(value.isEmpty ? "too short" : "too long")")
        }
        return value
    }

    static func notFound(_ host: String, _ binary: String) -> ZunError {
        ZunError(.notFound, code: "zun-service-not-found", message: "Zun service \(binary) on host \(host) could not be found.")
    }
}
