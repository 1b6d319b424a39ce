import Foundation
import ZunCore
import ZunStore

/// Turns a create's `nets` and `mounts` into the container's network attachments and volume mounts
/// (Zun's `build_requested_networks` / `build_requested_volumes`, docs/zun-compatibility.md, "Create"), on our own
/// network and volume records.
struct RequestedResources {
    let dependencies: APIDependencies
    var store: any NetworkRecords & VolumeRecords { dependencies.store }
    var configuration: APIConfiguration { dependencies.configuration }

    // MARK: Networks

    /// One attachment per `nets` item; none given ⇒ the project's default network (made on first use).
    func networks(_ nets: [[String: String]]?, _ identity: Identity) async throws -> [NetworkAttachment] {
        guard let nets, !nets.isEmpty else {
            let network = try await dependencies.defaultNetworks.network(projectID: identity.projectID) {
                try await store.projectDefaultNetwork(projectID: identity.projectID, userID: identity.userID, pool: configuration.subnetPool)
            }
            return [NetworkAttachment(networkUUID: network.uuid, portUUID: newUUID())]
        }
        var attachments: [NetworkAttachment] = []
        for item in nets {
            let attachment: NetworkAttachment
            if let portIdent = item["port"] {
                attachment = try await port(portIdent, identity)
            } else {
                let network = try await network(item["network"] ?? "", identity)
                let fixedV4 = try item["v4-fixed-ip"].map { try Self.ipv4($0) }
                let fixedV6 = try item["v6-fixed-ip"].map { try Self.ipv6($0) }
                if fixedV6 != nil, network.ipv6 == nil {
                    throw ZunError.invalidValue("Network \(network.uuid) has no IPv6 subnet for v6-fixed-ip.")
                }
                attachment = NetworkAttachment(networkUUID: network.uuid, portUUID: newUUID(), ipv4: fixedV4, ipv6: fixedV6)
            }
            if attachments.contains(where: { $0.networkUUID == attachment.networkUUID }) {
                throw ZunError.invalidValue("Network \(attachment.networkUUID) is requested more than once.")
            }
            attachments.append(attachment)
        }
        return attachments
    }

    /// A network the caller may use, by uuid or name: its own or a shared one (any, for an admin).
    func network(_ ident: String, _ identity: Identity) async throws -> Network {
        try await Self.find(
            "Network", ident, identity, projectOf: \.projectID, sharedWithAll: \.shared,
            byUUID: { try await store.network(uuid: $0) },
            // A project's own network wins over a shared one of the same name.
            byName: { name, scope in
                let matches = try await store.networks(named: name, visibleTo: scope)
                let own = matches.filter { $0.projectID == identity.projectID }
                return own.isEmpty ? matches : own
            }
        )
    }

    /// Zun's lookup of `{ident}` (docs/zun-compatibility.md, "Lists and lookups") for networks, ports and volumes: by uuid when it looks like
    /// one, else by name; scoped to the caller's project unless admin; 404 when none, 409 when several.
    static func find<Record>(
        _ kind: String, _ ident: String, _ identity: Identity, projectOf: KeyPath<Record, String>,
        sharedWithAll: KeyPath<Record, Bool>? = nil, byUUID: (String) async throws -> Record?,
        byName: (String, String?) async throws -> [Record]
    ) async throws -> Record {
        let scope = identity.isAdmin ? nil : identity.projectID
        if ContainerAccess.looksLikeUUID(ident), let record = try await byUUID(ident.lowercased()),
           scope == nil || record[keyPath: projectOf] == scope || sharedWithAll.map({ record[keyPath: $0] }) == true
        {
            return record
        }
        let matches = try await byName(ident, scope)
        if matches.count > 1 {
            throw ZunError.conflict("Multiple \(kind.lowercased())s exist with same name. Please use the \(kind.lowercased()) uuid instead.")
        }
        guard let record = matches.first else { throw ZunError.resourceNotFound(kind, ident) }
        return record
    }

    /// A port the caller brought: it must be its project's and not bound to a container (docs/zun-compatibility.md, "Create").
    private func port(_ ident: String, _ identity: Identity) async throws -> NetworkAttachment {
        let port = try await lookupPort(ident, identity)
        guard identity.isAdmin || port.projectID == identity.projectID else {
            throw ZunError(.invalidInput, code: "port-not-usable", message: "Port \(port.uuid) is not usable by project \(identity.projectID).")
        }
        if let user = port.containerUUID {
            throw ZunError(.invalidInput, code: "port-in-use", message: "Port \(port.uuid) is in use by container \(user).")
        }
        return NetworkAttachment(
            networkUUID: port.networkUUID, portUUID: port.uuid, ipv4: port.ipv4, ipv6: port.ipv6,
            preserveOnDelete: true, existingPort: true
        )
    }

    /// A port by uuid or name; by name only among the caller's (any, for an admin).
    func lookupPort(_ ident: String, _ identity: Identity) async throws -> NetworkPort {
        try await Self.find(
            "Port", ident, identity, projectOf: \.projectID, byUUID: { try await store.port(uuid: $0) },
            byName: { try await store.ports(named: $0, projectID: $1) }
        )
    }

    static func ipv4(_ text: String) throws -> String {
        guard let address = IPv4Address(text) else { throw ZunError.schemaValidation("Invalid input for field 'v4-fixed-ip': '\(text)' is not a 'ipv4'") }
        return address.description
    }

    static func ipv6(_ text: String) throws -> String {
        var storage = in6_addr()
        guard inet_pton(AF_INET6, text, &storage) == 1 else {
            throw ZunError.schemaValidation("Invalid input for field 'v6-fixed-ip': '\(text)' is not a 'ipv6'")
        }
        return text
    }

    /// Ports and volumes made for a create are written with it: time-ordered, as the container's uuid.
    func newUUID() -> String { RandomUUID.timeOrdered(at: dependencies.clock.now) }

    // MARK: Volumes

    /// One mount per `mounts` item, and the host that already holds an existing volume's data (the container
    /// must run there).
    func mounts(_ items: [JSONValue]?, containerUUID: String, _ identity: Identity) async throws -> (mounts: [VolumeAttachment], host: String?) {
        var mounts: [VolumeAttachment] = []
        var host: String?
        for (index, item) in (items ?? []).enumerated() {
            let spec = try MountSpec(item)
            switch spec.type {
            case .bind:
                guard let source = spec.source, Data(base64Encoded: source) != nil else {
                    throw ZunError(.invalidInput, code: "base64-exception", message: "Failed to decode the file content of the mount at \(spec.destination) from base64.")
                }
                let volume = Volume(
                    uuid: newUUID(), name: "\(containerUUID)-file-\(index)", projectID: identity.projectID, userID: identity.userID,
                    kind: .bind, autoRemove: true, contents: source, createdAt: dependencies.clock.now
                )
                mounts.append(VolumeAttachment(volumeUUID: volume.uuid, destination: spec.destination, kind: .bind, autoRemove: true, newVolume: volume))
            case .volume:
                if let size = spec.size {
                    let volume = Volume(
                        uuid: newUUID(), name: "\(containerUUID)-volume-\(index)", projectID: identity.projectID,
                        userID: identity.userID, kind: .volume, size: size, autoRemove: true, createdAt: dependencies.clock.now
                    )
                    mounts.append(VolumeAttachment(volumeUUID: volume.uuid, destination: spec.destination, kind: .volume, autoRemove: true, newVolume: volume))
                } else {
                    let volume = try await volume(spec.source ?? "", identity)
                    guard volume.kind == .volume else { throw ZunError.invalidValue("Volume \(volume.uuid) is an injected file, not a volume.") }
                    if let users = try await store.volumeUsers(uuid: volume.uuid).first {
                        throw ZunError(.invalidInput, code: "volume-in-use", message: "Volume \(volume.uuid) is in use by container \(users).")
                    }
                    if let volumeHost = volume.host {
                        if let other = host, other != volumeHost {
                            throw ZunError.invalidValue("Volumes on different hosts (\(other), \(volumeHost)) cannot be mounted together.")
                        }
                        host = volumeHost
                    }
                    mounts.append(VolumeAttachment(volumeUUID: volume.uuid, destination: spec.destination, kind: .volume, autoRemove: false))
                }
            }
        }
        if Set(mounts.map(\.destination)).count != mounts.count {
            throw ZunError.invalidValue("Two mounts have the same destination.")
        }
        return (mounts, host)
    }

    /// A volume of the caller's project (any, for an admin) by uuid or name.
    func volume(_ ident: String, _ identity: Identity) async throws -> Volume {
        try await Self.find(
            "Volume", ident, identity, projectOf: \.projectID, byUUID: { try await store.volume(uuid: $0) },
            byName: { try await store.volumes(named: $0, projectID: $1) }
        )
    }
}

/// One `mounts` item, checked as Zun's schema does: `type`, `source`, `destination`, `size`, nothing else;
/// `destination` with `source` or `size`.
struct MountSpec {
    var type: Volume.Kind
    var source: String?
    var destination: String
    var size: Int?

    init(_ item: JSONValue) throws {
        let field = "mounts"
        guard case .object(let object) = item else { throw SchemaChecks.typeError(field, item, ["object"]) }
        for key in object.keys where !["type", "source", "destination", "size"].contains(key) {
            throw SchemaChecks.fieldError(field, item, "Additional properties are not allowed ('\(key)' was unexpected)")
        }
        let type = try object["type"].flatMap { try SchemaChecks.string(field, $0) } ?? "volume"
        guard let kind = Volume.Kind(rawValue: type) else {
            throw ZunError.invalidValue("Invalid mount type \(type): use volume or bind.")
        }
        self.type = kind
        source = try object["source"].flatMap { try SchemaChecks.string(field, $0) }
        switch object["size"] {
        case nil, .null?: size = nil
        case .int(let n)?: size = n
        case .string(let s)? where Pattern.digits.matches(s): size = Int(s) ?? .max
        case let other?: throw SchemaChecks.fieldError("\(field).size", other, "\(other.pythonRepr) is not a valid size")
        }
        guard let destination = try object["destination"].flatMap({ try SchemaChecks.string(field, $0) }), source != nil || size != nil else {
            throw SchemaChecks.fieldError(field, item, "\(item.pythonRepr) is not valid under any of the given schemas")
        }
        guard destination.hasPrefix("/"), destination.count > 1 else {
            throw SchemaChecks.fieldError("\(field).destination", .string(destination), "The mount destination must be an absolute path.")
        }
        self.destination = destination
        if let size, !(1...RequestBounds.volumeSizeGB).contains(size) {
            throw SchemaChecks.fieldError(
                "\(field).size", .int(size), "The size of a volume must be between 1 and \(RequestBounds.volumeSizeGB) (GB)."
            )
        }
        if kind == .bind, source == nil { throw ZunError.invalidValue("A bind mount needs source: the base64 content of the file.") }
    }
}
