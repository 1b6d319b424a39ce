import Hummingbird
import NIOCore
import ZunCore

/// How much of a request body each endpoint reads (docs/limits.md): JSON bodies are small; `put_archive`
/// carries up to 32 MiB of tar as base64 inside JSON.
enum RequestBodyLimits {
    /// Any JSON body but `put_archive`'s.
    static let json = 1 << 20
    /// `put_archive`: 32 MiB of tar is 44,739,244 bytes of base64, plus the JSON around it.
    static let archive = 45 << 20
}

extension Request {
    /// The whole body, refused with 413 when it is larger than `limit`: at once when `Content-Length` says
    /// so (nothing is read), else as soon as the bytes pass the limit.
    func collectBody(upTo limit: Int) async throws -> ByteBuffer {
        if let declared = headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw ZunError.bodyTooLarge(limit: limit)
        }
        do {
            return try await body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw ZunError.bodyTooLarge(limit: limit)
        }
    }
}

extension ZunError {
    /// A request body over its endpoint's limit (413).
    static func bodyTooLarge(limit: Int) -> ZunError {
        ZunError(
            .payloadTooLarge, code: "request-entity-too-large", message: "The request body is larger than \(limit) bytes.",
            headers: ["Connection": "close"]
        )
    }
}
