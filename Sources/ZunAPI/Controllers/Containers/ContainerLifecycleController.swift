import Foundation
import Hummingbird
import ZunCore

/// `POST /v1/containers/{ident}/<operation>` for the operations a compute host runs as tasks: every
/// `.lifecycle` operation of `ContainerOperations` (start, stop, reboot, pause, unpause, kill) through one
/// route each, plus rebuild. Each answers 202 once the action and the task are recorded.
struct ContainerLifecycleController {
    let access: ContainerAccess

    var routes: RouteCollection<ZunRequestContext> {
        let routes = RouteCollection(context: ZunRequestContext.self)
        for operation in ContainerOperations.all {
            guard case .lifecycle(let parameters) = operation.route else { continue }
            routes.post("/{ident}/\(operation.name)") { request, context in
                try await lifecycle(operation, parameters, request, context)
            }
        }
        routes.post("/{ident}/rebuild", use: rebuild)
        return routes
    }

    /// Checks the parameters, policy and status, then records the action and the host's task.
    func lifecycle(
        _ operation: ContainerOperation, _ parameters: [ContainerOperation.TaskParameter], _ request: Request,
        _ context: ZunRequestContext
    ) async throws -> Response {
        let params = try await ActionParameters.read(request, context: context)
        let payload = try ActionInputs.payload(parameters, params, requestID: context.requestID)
        let container = try await access.authorize(operation, request, context)
        try await access.dispatch(operation, container, context, payload: payload)
        return JSONResponse.empty(.accepted)
    }

    /// `POST …/rebuild[?image=]`: a new engine container from the (possibly new) image, started again when
    /// the container was running.
    @Sendable func rebuild(_ request: Request, context: ZunRequestContext) async throws -> Response {
        let params = try await ActionParameters.read(request, context: context)
        try params.requireOnly(["image", "image_driver"])
        if let driver = params.values["image_driver"], driver != "docker" {
            throw ZunError.invalidValue("Invalid image driver \(driver): this service pulls images with Docker.")
        }
        let image = params.values["image"]
        if let image {
            _ = try SchemaChecks.dockerImage(.string(image))
            try ImageVisibility.check(image, context.caller)
        }
        let operation = ContainerOperations.rebuild
        let container = try await access.authorize(operation, request, context)
        var payload = ComputeTask.Payload(requestID: context.requestID, run: container.status == .running)
        // The record keeps its image until the host has the new one running: a pull that fails changes nothing.
        payload.image = image
        try await access.dispatch(operation, container, context, payload: payload)
        return JSONResponse.empty(.accepted)
    }
}
