import Foundation
import SQLKit
import ZunCore

extension SQLStore {
    public func createNetwork(_ network: Network, pool: SubnetPool) async throws -> Network {
        // A concurrent creator can win a unique constraint between our check and our insert (PostgreSQL);
        // the retry then sees its row and answers with a clear conflict or the next free subnet.
        try await retryingConstraintRaces {
            try await self.backend.transaction { db in
                try await self.insertNetwork(network, pool: pool, db)
            }
        }
    }

    private func insertNetwork(_ network: Network, pool: SubnetPool, _ db: any SQLDatabase) async throws -> Network {
        var network = network
        if try await !db.run("SELECT 1 FROM network WHERE project_id = \(bind: network.projectID) AND name = \(bind: network.name)").isEmpty {
            throw ZunError(.conflict, code: "network-already-exists", message: "A network named \(network.name) already exists in project \(network.projectID).")
        }
        let used = try await db.run("SELECT cidr_v4 FROM network WHERE cidr_v4 IS NOT NULL")
            .compactMap { try $0.string("cidr_v4").flatMap(IPv4Subnet.init) }
        if let requested = network.ipv4 {
            guard let subnet = IPv4Subnet(requested.cidr) else { throw ZunError.invalidValue("Invalid IPv4 subnet \(requested.cidr).") }
            if let clash = used.first(where: { $0.overlaps(subnet) }) {
                throw ZunError(.conflict, code: "subnet-overlaps", message: "Subnet \(subnet) overlaps subnet \(clash) of another network.")
            }
        } else {
            guard let subnet = pool.firstFree(avoiding: used) else {
                throw ZunError(.conflict, code: "subnet-pool-exhausted", message: "No free subnet is left in the pool \(pool.pool).")
            }
            network.subnets.insert(Subnet(cidr: subnet.description, gateway: subnet.firstHost.description, ipVersion: 4), at: 0)
        }
        // The row id is the VNI of the network's overlay: unique, and given in the same transaction.
        guard let id = try await db.run(
            "INSERT INTO network (uuid, name, project_id, shared, cidr_v4, created_at, data) VALUES (\(bind: network.uuid), \(bind: network.name), \(bind: network.projectID), \(bind: network.shared ? 1 : 0), \(bind: network.ipv4?.cidr), \(bind: network.createdAt.timeIntervalSince1970), \(bind: try json(network))) RETURNING id"
        ).first.flatMap({ try $0.int("id") }), id <= Network.maximumVNI else {
            throw ZunError(.conflict, code: "vni-exhausted", message: "No VXLAN network identifier is left for a new network.")
        }
        network.vni = id
        try await db.run("UPDATE network SET vni = \(bind: id), data = \(bind: try json(network)) WHERE uuid = \(bind: network.uuid)")
        return network
    }

    public func projectDefaultNetwork(projectID: String, userID: String, pool: SubnetPool) async throws -> Network {
        var attempt = 0
        while true {
            if let existing = try await backend.read({ db in
                try await db.run(
                    "SELECT data, vni FROM network WHERE project_id = \(bind: projectID) AND shared = 0 ORDER BY created_at, id LIMIT 1"
                ).first.map(Self.decodeNetwork)
            }) {
                return existing
            }
            do {
                let network = Network(
                    uuid: RandomUUID.make(), name: "default", projectID: projectID, userID: userID,
                    createdAt: self.clock.now
                )
                return try await backend.transaction { db in try await self.insertNetwork(network, pool: pool, db) }
            } catch {
                // Concurrent first users: one insert wins; the others read the winner's row on the next turn.
                attempt += 1
                if attempt >= 3 { throw error }
                try await Task.sleep(for: .milliseconds(20 * attempt))
            }
        }
    }

    /// Runs `body` again (up to five tries, with a random pause) when it fails with something other than a
    /// `ZunError`: the loser of a unique-constraint race, which then finds the winner's row.
    ///
    /// A try abandoned at its deadline may still commit, so running it again could write it twice. With
    /// `committed` (how to find what a try wrote: the new container by its uuid), each failure first looks
    /// for it and returns it when it is there; without, such a failure is thrown.
    func retryingConstraintRaces<T: Sendable>(
        committed: (@Sendable () async throws -> T?)? = nil, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch let error as ZunError {
                throw error
            } catch let error as PlacementExhausted {
                throw error
            } catch {
                if let committed, let written = try? await committed() { return written }
                if committed == nil, let error = error as? StoreError, error.outcomeUnknown { throw error }
                attempt += 1
                if attempt >= 5 { throw error }
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...(20 * attempt))))
            }
        }
    }

    public func network(uuid: String) async throws -> Network? {
        try await backend.readEach { db in
            try await db.run("SELECT data, vni FROM network WHERE uuid = \(bind: uuid)").first.map(Self.decodeNetwork)
        }
    }

    public func networks(uuids: [String]) async throws -> [Network] {
        try await records(keyedBy: uuids, { "SELECT data, vni FROM network WHERE uuid IN (\(binds: $0))" }, decode: Self.decodeNetwork)
    }

    public func networks(named name: String, visibleTo projectID: String?) async throws -> [Network] {
        try await backend.readEach { db in
            if let projectID {
                return try await db.run(
                    "SELECT data, vni FROM network WHERE name = \(bind: name) AND (project_id = \(bind: projectID) OR shared = 1) ORDER BY id"
                ).map(Self.decodeNetwork)
            }
            return try await db.run("SELECT data, vni FROM network WHERE name = \(bind: name) ORDER BY id").map(Self.decodeNetwork)
        }
    }

    public func listNetworks(visibleTo projectID: String?) async throws -> [Network] {
        try await backend.readEach { db in
            if let projectID {
                return try await db.run(
                    "SELECT data, vni FROM network WHERE project_id = \(bind: projectID) OR shared = 1 ORDER BY id"
                ).map(Self.decodeNetwork)
            }
            return try await db.run("SELECT data, vni FROM network ORDER BY id").map(Self.decodeNetwork)
        }
    }

    public func deleteNetwork(uuid: String) async throws {
        try await backend.transaction { db in
            try await self.lockNetwork(uuid, exclusive: true, db)
            let users = try await db.run(
                "SELECT DISTINCT container_uuid FROM port WHERE network_uuid = \(bind: uuid) AND container_uuid IS NOT NULL"
            ).compactMap { try $0.string("container_uuid") }
            if !users.isEmpty {
                throw ZunError.conflict("Network \(uuid) is in use by container(s) \(users.sorted().joined(separator: ", ")).")
            }
            try await db.run("DELETE FROM port WHERE network_uuid = \(bind: uuid)")
            try await db.run("DELETE FROM network_host WHERE network_uuid = \(bind: uuid)")
            try await db.run("DELETE FROM network WHERE uuid = \(bind: uuid)")
        }
    }

    public func recordNetworkRealized(uuid: String, host: String, dockerID: String, overlay: Bool) async throws {
        try await writeReports(named: #function) { writer in
            try await writer.recordNetworkRealized(uuid: uuid, host: host, dockerID: dockerID, overlay: overlay)
        }
    }

    public func networkHosts(uuid: String) async throws -> [String] {
        try await backend.readEach { db in
            try await db.run("SELECT host FROM network_host WHERE network_uuid = \(bind: uuid) ORDER BY host").compactMap { try $0.string("host") }
        }
    }

    public func port(uuid: String) async throws -> NetworkPort? {
        try await backend.readEach { db in
            try await db.run("SELECT * FROM port WHERE uuid = \(bind: uuid)").first.map(Self.decodePort)
        }
    }

    public func attachNetwork(
        containerUUID: String, _ attachment: NetworkAttachment, action: ContainerAction, task: ComputeTask
    ) async throws -> Container? {
        let updated: Container? = try await backend.transaction { db in
            guard let row = try await db.run("SELECT data FROM container WHERE uuid = \(bind: containerUUID)\(unsafeRaw: self.dialect.forUpdate)").first
            else { return nil }
            var container = try Self.decodeContainer(row)
            if container.networks?.contains(where: { $0.networkUUID == attachment.networkUUID }) == true {
                throw ZunError.invalidValue("Container \(containerUUID) is already connected to network \(attachment.networkUUID).")
            }
            let bound = try await self.bindPort(attachment, container, db)
            container.networks = (container.networks ?? []) + [bound]
            container.updatedAt = self.clock.now
            try await self.writeContainer(container, db)
            try await self.insertAction(action, db)
            try await self.insertTask(task, db)
            if container.host != nil { try await self.overlayChanged([attachment.networkUUID], db) }
            return container
        }
        if let updated {
            backend.taskCommitted(host: task.host)
            if updated.host != nil { backend.overlayCommitted(networks: [attachment.networkUUID]) }
        }
        return updated
    }

    public func detachNetwork(containerUUID: String, networkUUID: String) async throws {
        let detached = try await backend.transaction { db -> Bool in
            guard let row = try await db.run("SELECT data FROM container WHERE uuid = \(bind: containerUUID)\(unsafeRaw: self.dialect.forUpdate)").first
            else { return false }
            var container = try Self.decodeContainer(row)
            guard let attachment = container.networks?.first(where: { $0.networkUUID == networkUUID }) else { return false }
            container.networks?.removeAll { $0.networkUUID == networkUUID }
            container.addresses?[networkUUID] = nil
            container.updatedAt = self.clock.now
            try await self.writeContainer(container, db)
            try await self.releasePorts(uuids: [attachment.portUUID], db)
            try await self.overlayChanged([networkUUID], db)
            return true
        }
        if detached { backend.overlayCommitted(networks: [networkUUID]) }
    }

    // MARK: Overlay wake-ups

    /// Inside a transaction that changed ports of `networks`: the hosts that realized them are woken once it
    /// commits (with `backend.overlayCommitted` after it), so their overlays follow within moments
    /// (docs/architecture.md, "Networks").
    func overlayChanged(_ networks: [String], _ db: any SQLDatabase) async throws {
        guard !networks.isEmpty else { return }
        try await backend.overlayChanged(networks: networks, in: db)
    }

    /// The networks a container's ports are on.
    static func networkUUIDs(_ container: Container) -> [String] {
        (container.networks ?? []).map(\.networkUUID)
    }

    public func overlayHostChanged(host: String) async throws {
        let networks = try await backend.transaction { db in
            let networks = try await db.run("SELECT DISTINCT network_uuid FROM network_host WHERE host = \(bind: host)")
                .compactMap { try $0.string("network_uuid") }
            try await self.overlayChanged(networks, db)
            return networks
        }
        backend.overlayCommitted(networks: networks)
    }

    public func waitForOverlayChange(host: String, timeout: Duration) async {
        await backend.waitForOverlayChange(host: host, timeout: timeout)
    }

    // MARK: Inside container transactions

    /// Binds or allocates the port of every network the new container joins, under each network's row lock,
    /// so two creates (in any API replica) never hand out the same address.
    func bindPorts(_ container: inout Container, _ db: any SQLDatabase) async throws {
        guard let attachments = container.networks else { return }
        var bound: [NetworkAttachment] = []
        for attachment in attachments {
            bound.append(try await bindPort(attachment, container, db))
        }
        container.networks = bound
    }

    private func bindPort(_ attachment: NetworkAttachment, _ container: Container, _ db: any SQLDatabase) async throws -> NetworkAttachment {
        var attachment = attachment
        if attachment.existingPort {
            try await lockNetwork(attachment.networkUUID, exclusive: false, db)
            guard try await !db.run("SELECT uuid FROM network WHERE uuid = \(bind: attachment.networkUUID)").isEmpty else {
                throw ZunError.resourceNotFound("Network", attachment.networkUUID)
            }
            guard let port = try await db.run("SELECT * FROM port WHERE uuid = \(bind: attachment.portUUID)\(unsafeRaw: dialect.forUpdate)").first
                .map(Self.decodePort)
            else { throw ZunError.resourceNotFound("Port", attachment.portUUID) }
            if let user = port.containerUUID, user != container.uuid {
                throw ZunError(.invalidInput, code: "port-in-use", message: "Port \(port.uuid) is in use by container \(user).")
            }
            try await db.run("UPDATE port SET container_uuid = \(bind: container.uuid) WHERE uuid = \(bind: port.uuid)")
            attachment.ipv4 = port.ipv4
            attachment.ipv6 = port.ipv6
            attachment.preserveOnDelete = port.preserveOnDelete
            return attachment
        }
        let port = try await insertPort(NetworkPort(
            uuid: attachment.portUUID, networkUUID: attachment.networkUUID, projectID: container.projectID,
            containerUUID: container.uuid, ipv4: attachment.ipv4, ipv6: attachment.ipv6,
            preserveOnDelete: attachment.preserveOnDelete, createdAt: self.clock.now
        ), db)
        attachment.ipv4 = port.ipv4
        return attachment
    }

    /// Writes a port, allocating its IPv4 address (or checking the fixed one) on its network.
    private func insertPort(_ port: NetworkPort, _ db: any SQLDatabase) async throws -> NetworkPort {
        try await lockNetwork(port.networkUUID, exclusive: false, db)
        guard let row = try await db.run("SELECT data, vni FROM network WHERE uuid = \(bind: port.networkUUID)").first else {
            throw ZunError.resourceNotFound("Network", port.networkUUID)
        }
        let network = try Self.decodeNetwork(row)
        var port = port
        if let subnet = network.ipv4.flatMap({ IPv4Subnet($0.cidr) }) {
            let reserved: Set<IPv4Address> = Set([network.ipv4?.gateway.flatMap(IPv4Address.init)].compactMap { $0 })
            if let requested = port.ipv4 {
                guard let address = IPv4Address(requested), subnet.isAssignable(address, excluding: reserved) else {
                    throw ZunError.invalidValue("Fixed IP \(requested) is not a usable address of subnet \(subnet) of network \(network.uuid).")
                }
                if try await !db.run("SELECT 1 FROM port WHERE network_uuid = \(bind: network.uuid) AND ipv4 = \(bind: requested)").isEmpty {
                    throw ZunError(.conflict, code: "ip-address-already-allocated", message: "IP address \(requested) is already allocated in network \(network.uuid).")
                }
            } else if dialect == .sqlite, let hint = addressHints.withLockedValue({ $0[network.uuid] }),
                      subnet.isAssignable(IPv4Address(hint.value &+ 1), excluding: reserved)
            {
                // The quick path: the address after the last one, checked by the unique index alone. Should
                // it be taken, the insert fails, the hint goes, and the retried create takes the slow path.
                port.ipv4 = IPv4Address(hint.value &+ 1).description
            } else if dialect == .postgres {
                try await insertAtFreeAddress(&port, network, subnet, reserved, db)
                return port
            } else {
                port.ipv4 = try await nextFreeAddress(network, subnet, reserved, db).description
            }
        }
        do {
            try await insertPortRow(port, skippingTakenAddress: false, db)
        } catch {
            addressHints.withLockedValue { _ = $0.removeValue(forKey: network.uuid) }
            throw error
        }
        if dialect == .sqlite, let address = port.ipv4.flatMap(IPv4Address.init) {
            addressHints.withLockedValue { $0[network.uuid] = address }
        }
        return port
    }

    public func createPort(_ port: NetworkPort) async throws -> NetworkPort {
        try await retryingConstraintRaces {
            try await self.backend.transaction { db in try await self.insertPort(port, db) }
        }
    }

    public func ports(projectID: String?) async throws -> [NetworkPort] {
        try await backend.readEach { db in
            if let projectID {
                return try await db.run("SELECT * FROM port WHERE project_id = \(bind: projectID) ORDER BY id").map(Self.decodePort)
            }
            return try await db.run("SELECT * FROM port ORDER BY id").map(Self.decodePort)
        }
    }

    public func ports(named name: String, projectID: String?) async throws -> [NetworkPort] {
        try await backend.readEach { db in
            if let projectID {
                return try await db.run("SELECT * FROM port WHERE name = \(bind: name) AND project_id = \(bind: projectID) ORDER BY id").map(Self.decodePort)
            }
            return try await db.run("SELECT * FROM port WHERE name = \(bind: name) ORDER BY id").map(Self.decodePort)
        }
    }

    public func deletePort(uuid: String) async throws {
        try await backend.transaction { db in
            guard let port = try await db.run("SELECT * FROM port WHERE uuid = \(bind: uuid)\(unsafeRaw: self.dialect.forUpdate)").first.map(Self.decodePort) else { return }
            if let user = port.containerUUID {
                throw ZunError.conflict("Port \(uuid) is in use by container \(user).")
            }
            try await db.run("DELETE FROM port WHERE uuid = \(bind: uuid)")
        }
    }

    /// Inserts the port's row; with `skippingTakenAddress`, an address already taken on its network inserts nothing
    /// (false) instead of failing.
    @discardableResult
    private func insertPortRow(_ port: NetworkPort, skippingTakenAddress: Bool, _ db: any SQLDatabase) async throws -> Bool {
        try await !db.run(
            """
            INSERT INTO port (uuid, name, network_uuid, project_id, container_uuid, ipv4, ipv6, preserve_on_delete, created_at)
            VALUES (\(bind: port.uuid), \(bind: port.name), \(bind: port.networkUUID), \(bind: port.projectID), \(bind: port.containerUUID), \(bind: port.ipv4), \(bind: port.ipv6), \(bind: port.preserveOnDelete ? 1 : 0), \(bind: port.createdAt.timeIntervalSince1970))
            \(unsafeRaw: skippingTakenAddress ? "ON CONFLICT (network_uuid, ipv4) DO NOTHING " : "")RETURNING id
            """
        ).isEmpty
    }

    /// PostgreSQL: writes the port at a free address, each insert skipping an address another create took
    /// meanwhile (`ON CONFLICT … DO NOTHING` on the network's unique addresses), so that concurrent creates on
    /// several connections never fail on one: first up to 8 random addresses (one round trip each, no probe
    /// before the insert), then, as the network fills, every free one in random order.
    private func insertAtFreeAddress(
        _ port: inout NetworkPort, _ network: Network, _ subnet: IPv4Subnet, _ reserved: Set<IPv4Address>, _ db: any SQLDatabase
    ) async throws {
        func inserted(at candidate: IPv4Address) async throws -> Bool {
            var placed = port
            placed.ipv4 = candidate.description
            guard try await insertPortRow(placed, skippingTakenAddress: true, db) else { return false }
            port = placed
            return true
        }
        let first = subnet.network.value + 1, last = subnet.broadcast.value - 1
        if first < last {
            for _ in 0..<8 {
                let candidate = IPv4Address(UInt32.random(in: first...last))
                if subnet.isAssignable(candidate, excluding: reserved), try await inserted(at: candidate) { return }
            }
        }
        let used = Set(try await db.run("SELECT ipv4 FROM port WHERE network_uuid = \(bind: network.uuid) AND ipv4 IS NOT NULL")
            .compactMap { try $0.string("ipv4").flatMap(IPv4Address.init) })
        let taken = reserved.union(used)
        // Only the free addresses are collected (a nearly full network has few), then tried in random order.
        let free = (first...max(first, last)).lazy.map { IPv4Address($0) }.filter { subnet.isAssignable($0, excluding: taken) }
        for candidate in Array(free).shuffled() where try await inserted(at: candidate) { return }
        throw ZunError.conflict("No free IP address is left in network \(network.uuid).")
    }

    /// A free address of the subnet on SQLite, whose one writer runs one create at a time, so addresses go in
    /// order: the one after the newest port's when free (one indexed lookup), else the lowest free one (a scan).
    /// PostgreSQL, which runs creates at once, allocates in `insertAtFreeAddress` instead.
    private func nextFreeAddress(
        _ network: Network, _ subnet: IPv4Subnet, _ reserved: Set<IPv4Address>, _ db: any SQLDatabase
    ) async throws -> IPv4Address {
        func isFree(_ address: IPv4Address) async throws -> Bool {
            guard subnet.isAssignable(address, excluding: reserved) else { return false }
            return try await db.run("SELECT 1 FROM port WHERE network_uuid = \(bind: network.uuid) AND ipv4 = \(bind: address.description)").isEmpty
        }
        if let last = try await db.run(
            "SELECT ipv4 FROM port WHERE network_uuid = \(bind: network.uuid) AND ipv4 IS NOT NULL ORDER BY id DESC LIMIT 1"
        ).first.flatMap({ try $0.string("ipv4") }).flatMap(IPv4Address.init) {
            let next = IPv4Address(last.value &+ 1)
            if try await isFree(next) { return next }
        }
        let used = Set(try await db.run("SELECT ipv4 FROM port WHERE network_uuid = \(bind: network.uuid) AND ipv4 IS NOT NULL")
            .compactMap { try $0.string("ipv4").flatMap(IPv4Address.init) })
        var candidate = IPv4Address(subnet.network.value + 1)
        while !subnet.isAssignable(candidate, excluding: reserved.union(used)) {
            guard candidate.value < subnet.broadcast.value else {
                throw ZunError.conflict("No free IP address is left in network \(network.uuid).")
            }
            candidate = IPv4Address(candidate.value + 1)
        }
        return candidate
    }

    /// Serialises a network's delete against the creates that give out its addresses, which run at once with
    /// each other (the unique index on (network, address) settles their rare collisions). PostgreSQL: a
    /// transaction-scoped advisory lock, shared or exclusive — in memory, unlike a row lock, which many
    /// concurrent sharers would turn into tuple writes. SQLite: its one writer serialises everything already.
    func lockNetwork(_ uuid: String, exclusive: Bool, _ db: any SQLDatabase) async throws {
        guard dialect == .postgres else { return }
        let function = exclusive ? "pg_advisory_xact_lock" : "pg_advisory_xact_lock_shared"
        try await db.run("SELECT \(unsafeRaw: function)(\(literal: Self.networkLockClass), hashtext(\(bind: uuid)))")
    }

    /// The first key of the network advisory locks (the migration lock uses the single-key form).
    static let networkLockClass = 7

    /// Deletes ports, except preserved ones, which are only unbound.
    func releasePorts(uuids: [String], _ db: any SQLDatabase) async throws {
        for uuid in uuids {
            try await db.run("DELETE FROM port WHERE uuid = \(bind: uuid) AND preserve_on_delete = 0")
            try await db.run("UPDATE port SET container_uuid = NULL WHERE uuid = \(bind: uuid)")
        }
    }

    /// Networks decoded from recently read rows: every create reads its project's network (1 % of the e2e
    /// benchmark decoding the same text again).
    static let decodedNetworks = DecodedRecordCache<Network>(capacity: 1024)

    static func decodeNetwork(_ row: any SQLRow) throws -> Network {
        guard let text = try row.string("data") else { throw StoreError("network row without data") }
        var network = try decodedNetworks.value(for: text) { try StoreCoding.decoder.decode(Network.self, from: Data($0.utf8)) }
        // Networks written before VNIs got theirs in the column only (migration 9).
        if network.vni == nil, row.contains(column: "vni") { network.vni = try row.int("vni") }
        return network
    }

    public func overlayPeers(networkUUID: String, excludingHost host: String, aliveSince: Date?) async throws -> [OverlayPeer] {
        try await backend.read { db in
            // Only a host with a container on the network learns where the network's other ports are.
            guard try await !db.run("""
                SELECT 1 AS one FROM port JOIN container ON container.uuid = port.container_uuid
                WHERE port.network_uuid = \(bind: networkUUID) AND container.host = \(bind: host) LIMIT 1
                """).isEmpty else { return [] }
            // One read: each port with its host's inventory (for the underlay address) and service (for liveness).
            let rows = try await db.run("""
                SELECT port.ipv4 AS ipv4, container.host AS host, compute_node.data AS node,
                       zun_service.forced_down AS forced_down, zun_service.last_seen_up AS last_seen_up
                FROM port JOIN container ON container.uuid = port.container_uuid
                LEFT JOIN compute_node ON compute_node.hostname = container.host
                LEFT JOIN zun_service ON zun_service.host = container.host AND zun_service."binary" = \(bind: ZunService.computeBinary)
                WHERE port.network_uuid = \(bind: networkUUID) AND port.ipv4 IS NOT NULL AND container.host IS NOT NULL
                AND container.host <> \(bind: host)
                """)
            // Each host's underlay address (nil: it takes part in no overlay), decoded once however many ports it has.
            var underlays: [String: String?] = [:]
            return try rows.compactMap { row -> OverlayPeer? in
                guard let ipv4 = try row.string("ipv4"), let peerHost = try row.string("host"), let mac = OverlayPeer.mac(ipv4: ipv4) else { return nil }
                if let aliveSince {
                    // A host without a service record, forced down, or silent since `aliveSince` is down.
                    guard let seen = try row.double("last_seen_up"), seen >= aliveSince.timeIntervalSince1970,
                          (try row.int("forced_down") ?? 0) == 0 else { return nil }
                }
                let underlay: String?
                if let known = underlays[peerHost] {
                    underlay = known
                } else {
                    underlay = try row.string("node").flatMap { try StoreCoding.decoder.decode(ComputeNode.self, from: Data($0.utf8)).underlayAddress }
                    underlays[peerHost] = .some(underlay)
                }
                guard let underlay else { return nil }
                return OverlayPeer(ipv4: ipv4, mac: mac, underlay: underlay)
            }
        }
    }

    static func decodePort(_ row: any SQLRow) throws -> NetworkPort {
        var port = NetworkPort(
            uuid: try row.string("uuid") ?? "", networkUUID: try row.string("network_uuid") ?? "",
            projectID: try row.string("project_id") ?? "", containerUUID: try row.string("container_uuid"),
            ipv4: try row.string("ipv4"), ipv6: try row.string("ipv6"),
            preserveOnDelete: (try row.int("preserve_on_delete") ?? 0) != 0,
            createdAt: Date(timeIntervalSince1970: try row.double("created_at") ?? 0)
        )
        port.name = try row.string("name")
        return port
    }
}
