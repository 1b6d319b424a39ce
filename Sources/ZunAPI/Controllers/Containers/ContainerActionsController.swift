import Foundation
import Hummingbird
import ZunCore
import ZunStore

/// `GET /v1/containers/{ident}/container_actions[/{request_id}]`: the action history, with events (their
/// tracebacks for admins only).
struct ContainerActionsController {
    let access: ContainerAccess
    var store: any ActionLog { access.dependencies.store }

    var routes: RouteCollection<ZunRequestContext> {
        let routes = RouteCollection(context: ZunRequestContext.self)
        routes.get("/{ident}/container_actions", use: actions)
        routes.get("/{ident}/container_actions/{request_id}", use: action)
        return routes
    }

    @Sendable func actions(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let container = try await access.authorize(ContainerOperations.actions, request, context)
        let actions = try await store.actions(containerUUID: container.uuid)
        return try JSONResponse.make(JSONValue.object([
            "containerActions": .array(actions.map { .object(ActionView.render($0)) })
        ]))
    }

    @Sendable func action(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let container = try await access.authorize(ContainerOperations.actions, request, context)
        let requestID = try context.parameters.require("request_id")
        guard let action = try await store.action(containerUUID: container.uuid, requestID: requestID), let id = action.id else {
            throw ZunError.resourceNotFound("Action", requestID)
        }
        let showTraceback = access.policy.allows(.containerActionEvents, try context.caller)
        var view = ActionView.render(action)
        view["events"] = .array(try await store.events(actionID: id).map { ActionView.render($0, showTraceback: showTraceback) })
        return try JSONResponse.make(JSONValue.object(view))
    }
}
