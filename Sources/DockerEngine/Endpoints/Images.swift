import Foundation
import Logging
import NIOCore

/// The parts of `GET /images/{name}/json` we use.
public struct ImageInspect: Decodable, Sendable {
    public var id: String
    public var config: Config?

    public struct Config: Decodable, Sendable {
        public var cmd: [String]?
        public var entrypoint: [String]?
        public var labels: [String: String]?

        enum CodingKeys: String, CodingKey {
            case cmd = "Cmd"
            case entrypoint = "Entrypoint"
            case labels = "Labels"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case config = "Config"
    }
}

extension DockerClient {
    /// Inspects a local image; nil when the engine does not have it.
    public func inspectImage(_ reference: String, logger: Logger) async throws -> ImageInspect? {
        try await getIfPresent("/images/\(Self.pathEscaped(reference))/json", logger: logger)
    }

    /// Pulls `repository:tag`. The engine reports failures inside a 200 progress stream, so the stream is
    /// read to its end and its last error, if any, is thrown.
    public func pullImage(repository: String, tag: String, timeout: Duration = .seconds(600), logger: Logger) async throws {
        let response = try await send(
            .POST, "/images/create", query: [("fromImage", repository), ("tag", tag)], timeout: timeout, logger: logger
        )
        struct Progress: Decodable { var error: String? }
        let text = String(buffer: response.body)
        for line in text.split(separator: "\n") {
            if let progress = try? JSONDecoder().decode(Progress.self, from: Data(line.utf8)), let error = progress.error {
                throw DockerError(status: 500, message: error)
            }
        }
    }

    /// Removes a local image; a missing one is not an error.
    public func removeImage(_ reference: String, force: Bool = true, logger: Logger) async throws {
        try await deleteIfPresent("/images/\(Self.pathEscaped(reference))", query: [("force", force ? "1" : "0")], logger: logger)
    }

    static func pathEscaped(_ segment: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        // Image references contain '/', which the engine accepts unescaped inside the name.
        allowed.insert("/")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }
}
