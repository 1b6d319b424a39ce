import Foundation
import Logging
import NIOCore

extension DockerClient {
    /// Inspects a network by id or name; nil when it does not exist.
    public func inspectNetwork(_ id: String, logger: Logger) async throws -> NetworkInspect? {
        try await getIfPresent("/networks/\(id)", logger: logger)
    }

    /// Creates a network; returns its id. A name taken already is a conflict (409).
    public func createNetwork(_ body: NetworkCreate, logger: Logger) async throws -> String {
        struct Created: Decodable {
            var id: String
            enum CodingKeys: String, CodingKey { case id = "Id" }
        }
        let created: Created = try await post("/networks/create", json: body, logger: logger)
        return created.id
    }

    /// Removes a network; a missing one is not an error.
    public func removeNetwork(_ id: String, logger: Logger) async throws {
        try await deleteIfPresent("/networks/\(id)", logger: logger)
    }

    /// Networks carrying the label `label`.
    public func listNetworks(withLabel label: String, logger: Logger) async throws -> [NetworkInspect] {
        try await get("/networks", query: [("filters", "{\"label\":[\"\(label)\"]}")], logger: logger)
    }

    /// Connects a container to a network with the given addresses.
    public func connectNetwork(_ network: String, container: String, endpoint: EndpointSettings, logger: Logger) async throws {
        struct Body: Encodable {
            var container: String
            var endpointConfig: EndpointSettings
            enum CodingKeys: String, CodingKey {
                case container = "Container"
                case endpointConfig = "EndpointConfig"
            }
        }
        let body = ByteBuffer(bytes: try JSONEncoder().encode(Body(container: container, endpointConfig: endpoint)))
        _ = try await send(.POST, "/networks/\(network)/connect", body: body, timeout: .seconds(60), logger: logger)
    }

    /// Disconnects a container from a network; one that is not connected (or gone) is not an error.
    public func disconnectNetwork(_ network: String, container: String, logger: Logger) async throws {
        let body = ByteBuffer(string: "{\"Container\":\(Self.jsonString(container)),\"Force\":true}")
        do {
            _ = try await send(.POST, "/networks/\(network)/disconnect", body: body, timeout: .seconds(60), logger: logger)
        } catch let error as DockerError where error.isNotFound || error.message.contains("is not connected") {
            return
        }
    }

    /// Creates (or finds: the call is idempotent in the engine) a local volume.
    public func createVolume(name: String, labels: [String: String], logger: Logger) async throws {
        struct Body: Encodable {
            var name: String
            var driver = "local"
            var labels: [String: String]
            enum CodingKeys: String, CodingKey {
                case name = "Name"
                case driver = "Driver"
                case labels = "Labels"
            }
        }
        let _: VolumeInspect = try await post("/volumes/create", json: Body(name: name, labels: labels), logger: logger)
    }

    public func inspectVolume(_ name: String, logger: Logger) async throws -> VolumeInspect? {
        try await getIfPresent("/volumes/\(name)", logger: logger)
    }

    /// Removes a volume; a missing one is not an error.
    public func removeVolume(_ name: String, logger: Logger) async throws {
        try await deleteIfPresent("/volumes/\(name)", logger: logger)
    }

    /// Volumes carrying the label `label`.
    public func listVolumes(withLabel label: String, logger: Logger) async throws -> [VolumeInspect] {
        struct List: Decodable {
            var volumes: [VolumeInspect]?
            enum CodingKeys: String, CodingKey { case volumes = "Volumes" }
        }
        let list: List = try await get("/volumes", query: [("filters", "{\"label\":[\"\(label)\"]}")], logger: logger)
        return list.volumes ?? []
    }

    static func jsonString(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}
