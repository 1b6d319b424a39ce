import Foundation
import Logging
import NIOCore
import NIOPosix

/// Interactive engine streams (exec start, attach): the engine answers the HTTP request with
/// `101 UPGRADED` and the connection becomes a raw byte pipe to the process's stdio. AsyncHTTPClient
/// cannot hand over a connection, so these requests go over a plain NIO channel.
extension DockerClient {
    /// Reads what the process writes; a non-TTY stream's frames are split into payloads here.
    public struct StreamOutput {
        var pending: ByteBuffer?
        var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        var demultiplexer: StreamDemultiplexer?

        /// The next bytes the process wrote, nil at its end.
        public mutating func next() async throws -> ByteBuffer? {
            while true {
                let chunk: ByteBuffer
                if let pending {
                    chunk = pending
                    self.pending = nil
                } else {
                    // A connection closed by `StreamInput.close()` ends the output too.
                    guard let next = try? await iterator.next() else { return nil }
                    chunk = next
                }
                guard demultiplexer != nil else { return chunk }
                if let payload = demultiplexer!.feed(chunk) { return payload }
            }
        }
    }

    /// Writes to the process's stdin, and ends the session from any task.
    public struct StreamInput: Sendable {
        let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
        let channel: any Channel

        public func write(_ bytes: [UInt8]) async throws {
            try await writer.write(ByteBuffer(bytes: bytes))
        }

        /// Closes the connection; the reader then sees the end of the output.
        public func close() {
            channel.close(promise: nil)
        }
    }

    /// Opens the stream of `POST path` and runs `body` with its output and the process's stdin.
    /// The connection is closed when `body` returns.
    public func withHijackedStream<Result: Sendable>(
        _ path: String, query: [(String, String)] = [], json: some Encodable, logger: Logger,
        _ body: (inout StreamOutput, StreamInput) async throws -> Result
    ) async throws -> Result {
        let channel = try await connectRaw()
        return try await channel.executeThenClose { inbound, outbound in
            let payload = try JSONEncoder().encode(json)
            var target = "/v\(apiVersion)\(path)"
            if !query.isEmpty {
                var components = URLComponents()
                components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
                target += "?" + (components.percentEncodedQuery ?? "")
            }
            var request = ByteBuffer()
            request.writeString(
                "POST \(target) HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                    + "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: \(payload.count)\r\n\r\n"
            )
            request.writeBytes(payload)
            try await outbound.write(request)

            var iterator = inbound.makeAsyncIterator()
            let (status, headers, rest) = try await Self.readResponseHead(&iterator, endpoint: endpoint)
            guard status == 101 || status == 200 else {
                throw DockerError(status: status, message: Self.message(from: rest))
            }
            let multiplexed = headers.lowercased().contains("application/vnd.docker.multiplexed-stream")
            var output = StreamOutput(
                pending: rest.readableBytes > 0 ? rest : nil, iterator: iterator,
                demultiplexer: multiplexed ? StreamDemultiplexer() : nil
            )
            return try await body(&output, StreamInput(writer: outbound, channel: channel.channel))
        }
    }

    /// A plain connection to the engine's socket.
    private func connectRaw() async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .channelOption(.allowRemoteHalfClosure, value: true)
        do {
            if endpoint.hasPrefix("unix://") {
                return try await bootstrap.connect(unixDomainSocketPath: String(endpoint.dropFirst("unix://".count))) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
            }
            let address = endpoint.replacingOccurrences(of: "tcp://", with: "").replacingOccurrences(of: "http://", with: "")
            let parts = address.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]) else { throw DockerError(status: 0, message: "bad Docker host \(endpoint)") }
            return try await bootstrap.connect(host: String(parts[0]), port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        } catch let error as DockerError {
            throw error
        } catch {
            throw DockerError.unreachable(endpoint, "\(error)")
        }
    }

    /// Reads up to the blank line ending the response head; returns the status, the raw header block
    /// and the bytes after it.
    private static func readResponseHead(
        _ iterator: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, endpoint: String
    ) async throws -> (Int, String, ByteBuffer) {
        var head = ByteBuffer()
        while true {
            guard var chunk = try await iterator.next() else {
                throw DockerError.unreachable(endpoint, "connection closed before the engine answered")
            }
            head.writeBuffer(&chunk)
            let view = Array(head.readableBytesView)
            if let end = view.firstRange(of: [13, 10, 13, 10]) {
                let text = String(decoding: view[..<end.lowerBound], as: UTF8.self)
                let rest = head.getSlice(at: head.readerIndex + end.upperBound, length: view.count - end.upperBound) ?? ByteBuffer()
                let statusLine = text.split(separator: "\r\n", maxSplits: 1).first ?? ""
                let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
                return (status, text, rest)
            }
            guard head.readableBytes < 64 << 10 else { throw DockerError(status: 0, message: "oversized answer head from the engine") }
        }
    }
}

/// Splits Docker's multiplexed stream (8-byte header: stream, 0, 0, 0, big-endian length) into payloads,
/// across chunk boundaries.
struct StreamDemultiplexer {
    private var buffer = ByteBuffer()

    /// Adds a chunk; returns the payload bytes now complete (nil when none are).
    mutating func feed(_ chunk: ByteBuffer) -> ByteBuffer? {
        var chunk = chunk
        buffer.writeBuffer(&chunk)
        var output = ByteBuffer()
        while buffer.readableBytes >= 8,
              let header = buffer.getBytes(at: buffer.readerIndex, length: 8)
        {
            let length = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
            guard buffer.readableBytes >= 8 + length else { break }
            buffer.moveReaderIndex(forwardBy: 8)
            var frame = buffer.readSlice(length: length)!
            output.writeBuffer(&frame)
        }
        buffer.discardReadBytes()
        return output.readableBytes > 0 ? output : nil
    }
}
