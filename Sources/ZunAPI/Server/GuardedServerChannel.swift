import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// The API's server channel: Hummingbird's HTTP/1.1 channel with websocket upgrades (console sessions),
/// behind a `RequestHeadGuard` that answers oversized or slow request heads (docs/limits.md).
struct GuardedServerChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let limits: RequestHeadLimits

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(RequestHeadGuard(limits: limits))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return base.setup(channel: channel, logger: logger)
    }

    /// Runs the connection on its channel's event loop (`EventLoopTaskExecutor`).
    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await base.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with websocket upgrades to `webSocketRouter`, guarded by `limits`. The decoder's own limits
    /// sit above the guard's, as a backstop for heads the guard does not examine (pipelined ones).
    static func guardedHTTP1WebSocketUpgrade<WSRouter: HTTPResponderBuilder>(
        webSocketRouter: WSRouter, limits: RequestHeadLimits, idleTimeout: TimeAmount
    ) -> HTTPServerBuilder where WSRouter.Responder.Context: WebSocketRequestContext {
        let webSocketResponder = webSocketRouter.buildResponder()
        return HTTPServerBuilder { responder in
            let http1 = HTTP1Channel.Configuration(
                additionalChannelHandlers: [RequestEndObserver()], idleTimeout: idleTimeout,
                httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: 2 * limits.maxHeadBytes, maxHeaderListSize: 2 * limits.maxHeadBytes,
                    maxHeaderFieldCount: 2 * limits.maxHeaderCount
                )
            )
            return GuardedServerChannel(
                base: HTTP1WebSocketUpgradeChannel(
                    responder: responder, webSocketResponder: webSocketResponder, configuration: .init(http1: http1)
                ),
                limits: limits
            )
        }
    }
}
