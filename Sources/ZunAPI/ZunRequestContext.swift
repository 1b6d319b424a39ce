import Hummingbird
import NIOCore
import HummingbirdWebSocket
import ZunCore

/// Per-request data: who is calling, at which microversion, under which request id.
public struct ZunRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Identity
    public var apiVersion: APIVersion
    public var requestID: String
    /// The interactive session a websocket upgrade opens, set once its token checked out.
    public var consoleSession: ConsoleSession?
    public let webSocket: WebSocketHandlerReference<ZunRequestContext>
    /// The address the request arrived on: the websocket URLs handed out point back at it.
    public let localAddress: SocketAddress?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.identity = Identity.devAdmin
        self.apiVersion = .minimum
        self.requestID = ""
        self.consoleSession = nil
        self.webSocket = .init()
        self.localAddress = source.channel.localAddress
    }

    /// Create bodies are small; reject anything larger than 1 MiB.
    public var maxUploadSize: Int { 1 << 20 }
}
