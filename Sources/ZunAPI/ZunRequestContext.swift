import Hummingbird
import HummingbirdAuth
import NIOCore
import HummingbirdWebSocket
import ZunCore

/// Per-request data: who is calling, at which microversion, under which request id.
public struct ZunRequestContext: AuthRequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller, once an authenticator (Authentication/) vouched for it; nil until then.
    public var identity: Identity?
    public var apiVersion: APIVersion
    public var requestID: String
    /// The compute host a node-protocol request acts for, from its node credential (docs/node-protocol.md).
    public var nodeHost: String?
    /// The interactive session a websocket upgrade opens, set once its token checked out.
    public var consoleSession: ConsoleSession?
    public let webSocket: WebSocketHandlerReference<ZunRequestContext>
    /// The address the request arrived on: the websocket URLs handed out point back at it.
    public let localAddress: SocketAddress?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.identity = nil
        self.nodeHost = nil
        self.apiVersion = .minimum
        self.requestID = ""
        self.consoleSession = nil
        self.webSocket = .init()
        self.localAddress = source.channel.localAddress
    }

    /// The authenticated caller. Every route that reads it sits behind `RequireIdentityMiddleware`, so the
    /// 401 here is a second line: a route mounted outside that group fails closed instead of acting as nobody.
    public var caller: Identity {
        get throws(ZunError) {
            guard let identity else { throw ZunError.unauthenticated() }
            return identity
        }
    }

    /// Create bodies are small; reject anything larger than 1 MiB.
    public var maxUploadSize: Int { 1 << 20 }
}
