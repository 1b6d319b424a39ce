import Hummingbird
import ZunCore

/// Per-request data: who is calling, at which microversion, under which request id.
public struct ZunRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Identity
    public var apiVersion: APIVersion
    public var requestID: String

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.identity = Identity.devAdmin
        self.apiVersion = .minimum
        self.requestID = ""
    }

    /// Create bodies are small; reject anything larger than 1 MiB.
    public var maxUploadSize: Int { 1 << 20 }
}
