import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import ZunTestSupport

/// A scripted websocket console client: sends each input, then reads until the output contains the
/// expected text. Returns everything read.
enum ConsoleClient {
    struct Step: Sendable {
        /// Run before sending (e.g. an API call).
        var action: (@Sendable () async throws -> Void)? = nil
        var send: String?
        /// Text to wait for; nil waits for the server to end the session.
        var expect: String?
    }

    struct NoMatch: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ url: String, steps: [Step], timeout: Duration = .seconds(20)) async throws -> String {
        try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                let collected = Collected()
                try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 20), logger: TestSupport.logger) { inbound, outbound, _ in
                    var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                    var output = ""
                    for step in steps {
                        try await step.action?()
                        if let send = step.send { try await outbound.write(.binary(ByteBuffer(string: send))) }
                        while step.expect.map({ !output.contains($0) }) ?? true {
                            guard let message = try await iterator.next() else {
                                if step.expect == nil { break }
                                throw NoMatch(description: "session ended before \(step.expect ?? ""); output: \(output.debugDescription)")
                            }
                            switch message {
                            case .binary(let buffer): output += String(buffer: buffer)
                            case .text(let text): output += text
                            }
                        }
                    }
                    await collected.set(output)
                }
                return await collected.value
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw NoMatch(description: "console session timed out")
            }
            let output = try await group.next()!
            group.cancelAll()
            return output
        }
    }

    private actor Collected {
        var value = ""
        func set(_ text: String) { value = text }
    }
}
