import Foundation
import NIOCore
import HTTPTypes
import NIOHTTPTypes
import ZunCore

/// Limits of a request head, checked on the raw bytes before the HTTP decoder sees them (docs/limits.md).
public struct RequestHeadLimits: Sendable {
    /// Bytes of the request line (method, path and query): beyond it, 414.
    public var maxRequestLine = 8 * 1024
    /// Bytes of one header line: beyond it, 431.
    public var maxHeaderLine = 8 * 1024
    /// Header lines: beyond it, 431.
    public var maxHeaderCount = 100
    /// Bytes of the whole head: beyond it, 431.
    public var maxHeadBytes = 32 * 1024
    /// A head that started must be complete within this, or the connection is closed (slow clients).
    public var headTimeout: TimeAmount = .seconds(10)

    public init() {}
}

/// The first handler of every API connection. It reads a request's head as raw bytes, line by line, and
/// answers 414 or 431 (Zun's error body) and closes when a limit is passed, or closes the connection when a
/// started head does not arrive in time. NIO's decoder would only fail with a parser error, which leaves the
/// client without an answer.
///
/// After a head it lets bytes through unexamined until `RequestEndObserver`, after the decoder, reports
/// that the request ended; a head pipelined right behind a body is then left to the decoder's own limits.
final class RequestHeadGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum Mode {
        /// Reading a head: bytes of the current line, lines so far, bytes so far.
        case head(lineBytes: Int, lines: Int, bytes: Int)
        /// Between head and the request's end: not examined.
        case passthrough
        /// A limit was passed; everything is dropped until the connection closes.
        case refused
    }

    private let limits: RequestHeadLimits
    private var mode: Mode = .head(lineBytes: 0, lines: 0, bytes: 0)
    private var deadline: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(limits: RequestHeadLimits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        self.context = nil
    }

    /// Called (on the event loop) when the decoder saw a request's end: the next bytes start a new head.
    func requestEnded() {
        guard case .passthrough = mode else { return }
        mode = .head(lineBytes: 0, lines: 0, bytes: 0)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        switch mode {
        case .refused:
            return
        case .passthrough:
            context.fireChannelRead(data)
        case .head(var lineBytes, var lines, var bytes):
            var verdict: HTTPResponse.Status?
            var headEnded = false
            // Line by line (newlines found with a fast search, not byte by byte): a head is a few hundred
            // bytes and this runs on every request.
            buffer.withUnsafeReadableBytes { raw in
                var index = raw.startIndex
                while index < raw.endIndex, verdict == nil, !headEnded {
                    let newline = raw[index...].firstIndex(of: UInt8(ascii: "\n"))
                    let end = newline ?? raw.endIndex
                    var length = end - index
                    // A CR just before the LF belongs to the line ending, not the line.
                    if let newline, newline > index, raw[newline - 1] == UInt8(ascii: "\r") { length -= 1 }
                    lineBytes += length
                    bytes += end - index + (newline == nil ? 0 : 1)
                    if lines == 0, lineBytes > limits.maxRequestLine {
                        verdict = .uriTooLong
                    } else if lines > 0, lineBytes > limits.maxHeaderLine || lines > limits.maxHeaderCount || bytes > limits.maxHeadBytes {
                        verdict = .requestHeaderFieldsTooLarge
                    }
                    guard let newline else { break }
                    // An empty line after the request line ends the head; empty lines before it are allowed.
                    if lineBytes == 0 && lines > 0 {
                        headEnded = true
                    } else if lineBytes > 0 {
                        lines += 1
                    }
                    lineBytes = 0
                    index = newline + 1
                }
            }
            if let verdict {
                refuse(context, verdict)
                return
            }
            if headEnded {
                mode = .passthrough
                deadline?.cancel()
                deadline = nil
            } else {
                mode = .head(lineBytes: lineBytes, lines: lines, bytes: bytes)
                // Most heads arrive whole in one read; only one that did not is timed.
                if deadline == nil, bytes > 0 { startDeadline(context) }
            }
            context.fireChannelRead(data)
        }
    }

    private func startDeadline(_ context: ChannelHandlerContext) {
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: limits.headTimeout) { [weak self] in
            guard let self, let context = self.context, case .head = self.mode else { return }
            self.refuse(context, .requestTimeout)
        }
    }

    /// Answers with Zun's error body and closes. The decoder never saw this head, so nothing else writes.
    private func refuse(_ context: ChannelHandlerContext, _ status: HTTPResponse.Status) {
        mode = .refused
        deadline?.cancel()
        deadline = nil
        let message = switch status {
        case .uriTooLong: "The request line is longer than \(limits.maxRequestLine) bytes."
        case .requestTimeout: "The request head did not arrive within \(limits.headTimeout.nanoseconds / 1_000_000_000) s."
        default: "The request head has more than \(limits.maxHeaderCount) header lines, a line longer than \(limits.maxHeaderLine) bytes, or more than \(limits.maxHeadBytes) bytes."
        }
        // Zun's error body, in the shape every other error of the API has.
        let item = ZunErrorRenderer.Item(
            request_id: "req-" + RandomUUID.make(), code: ZunErrorRenderer.code("", status: status), status: status.code,
            title: status.reasonPhrase, detail: message
        )
        let body = (try? JSONResponse.encoder.encode(ZunErrorRenderer.Body(errors: [item]))) ?? Data()
        var out = context.channel.allocator.buffer(capacity: 256 + body.count)
        out.writeString(
            "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        )
        out.writeBytes(body)
        context.writeAndFlush(NIOAny(out)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

/// Sits after the HTTP decoder and tells the `RequestHeadGuard` of its connection when a request ended.
final class RequestEndObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private var headGuard: RequestHeadGuard?

    init() {}

    func handlerAdded(context: ChannelHandlerContext) {
        headGuard = try? context.pipeline.syncOperations.handler(type: RequestHeadGuard.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) { headGuard?.requestEnded() }
        context.fireChannelRead(data)
    }
}
