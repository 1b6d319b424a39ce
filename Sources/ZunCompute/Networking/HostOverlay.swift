import Foundation
import Logging
import ZunCore

/// The overlay part of networks on this host (docs/architecture.md, "Networks"): under each network's engine
/// bridge, a VXLAN device with the network's VNI, sending from this host's underlay address. Forwarding is
/// static, as flannel's vxlan backend and Docker's overlay driver do it without gossip: for every port of the
/// network on another host, a forwarding entry (the port's MAC → that host's underlay address) and a neighbour
/// entry (its address → its MAC, answered by the device itself, so no ARP crosses hosts). Both come from the
/// records (`ControlPlane.overlayPeers`), re-read by `OverlayService` whenever the records change.
public actor HostOverlay {
    /// This host's part in overlays: its underlay address, and the MTU of the underlay's links.
    public struct Configuration: Sendable, Equatable {
        public var underlayAddress: String
        public var underlayMTU: Int

        public init(underlayAddress: String, underlayMTU: Int = 1500) {
            self.underlayAddress = underlayAddress
            self.underlayMTU = underlayMTU
        }
    }

    /// VXLAN's own UDP port (IANA).
    static let vxlanPort = 4789
    /// What VXLAN adds to each packet over IPv4: outer IP 20, UDP 8, VXLAN 8 and the inner Ethernet header 14.
    static let encapsulationOverhead = 50

    let configuration: Configuration
    let controlPlane: any ControlPlane
    let logger: Logger
    /// The networks with an overlay on this host, by uuid: their VNI.
    private var attached: [String: Int] = [:]
    /// What is programmed in each VXLAN device, by VNI.
    private var programmed: [Int: Set<OverlayPeer>] = [:]
    /// The last attach or reconcile asked for, per network: each runs after the one before it has finished,
    /// so two never interleave across their awaits (an attach and a wake-up's reconcile of the same network).
    private var latest: [String: Task<Void, any Error>] = [:]

    init(configuration: Configuration, controlPlane: any ControlPlane, logger: Logger) {
        self.configuration = configuration
        self.controlPlane = controlPlane
        self.logger = logger
    }

    /// The MTU of an overlay network's bridge and containers: the underlay's less the encapsulation.
    public nonisolated var mtu: Int { configuration.underlayMTU - Self.encapsulationOverhead }

    public static func bridgeName(vni: Int) -> String { "zbr\(vni)" }
    public static func vxlanName(vni: Int) -> String { "zvx\(vni)" }

    /// The engine's options for the bridge of a network with an overlay: a name derived from the VNI (so the
    /// VXLAN device finds it) and the overlay's MTU.
    nonisolated func bridgeOptions(vni: Int) -> [String: String] {
        ["com.docker.network.bridge.name": Self.bridgeName(vni: vni), "com.docker.network.driver.mtu": "\(mtu)"]
    }

    /// Puts the network's VXLAN device under its bridge and programs its peers. The first time in this agent's
    /// life the device is made anew, so that what a crashed agent left is never trusted: the records rebuild it.
    func attach(_ network: Network) async throws {
        try await serialized(network.uuid) { try await $0.attachNow(network) }
    }

    private func attachNow(_ network: Network) async throws {
        guard let vni = network.vni else { return }
        let vxlan = Self.vxlanName(vni: vni)
        if attached[network.uuid] == nil {
            if try await HostCommand.succeeds("ip", "link", "show", "dev", vxlan) {
                try await HostCommand.run("ip", "link", "del", "dev", vxlan)
            }
            try await HostCommand.run(
                "ip", "link", "add", vxlan, "type", "vxlan", "id", "\(vni)", "local", configuration.underlayAddress,
                "dstport", "\(Self.vxlanPort)", "nolearning", "proxy"
            )
            try await HostCommand.run("ip", "link", "set", "dev", vxlan, "master", Self.bridgeName(vni: vni), "mtu", "\(mtu)", "up")
            attached[network.uuid] = vni
            programmed[vni] = []
            logger.info("overlay attached", metadata: ["network": "\(network.uuid)", "vni": "\(vni)"])
        }
        try await reconcileNow(network.uuid)
    }

    /// Brings one network's device in line with the records: entries of ports gone or moved are replaced or
    /// removed, new ones added.
    func reconcile(_ networkUUID: String) async throws {
        try await serialized(networkUUID) { try await $0.reconcileNow(networkUUID) }
    }

    /// Runs `body` once the work asked for before on the same network has finished (whether it failed or not).
    private func serialized(_ networkUUID: String, _ body: @escaping @Sendable (isolated HostOverlay) async throws -> Void) async throws {
        let previous = latest[networkUUID]
        let task = Task {
            _ = await previous?.result
            try await body(self)
        }
        latest[networkUUID] = task
        defer { if latest[networkUUID] == task { latest[networkUUID] = nil } }
        // The caller's cancellation (a graceful shutdown) reaches the work, whose control-plane calls end then.
        try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }

    private func reconcileNow(_ networkUUID: String) async throws {
        guard let vni = attached[networkUUID] else { return }
        let desired = Set(try await controlPlane.overlayPeers(networkUUID: networkUUID))
        let current = programmed[vni] ?? []
        guard desired != current else { return }
        let vxlan = Self.vxlanName(vni: vni)
        let wantedMACs = Set(desired.map(\.mac))
        for gone in current.subtracting(desired) where !wantedMACs.contains(gone.mac) {
            try? await HostCommand.run("bridge", "fdb", "del", gone.mac, "dev", vxlan, "dst", gone.underlay, "self")
            try? await HostCommand.run("ip", "neigh", "del", gone.ipv4, "dev", vxlan)
        }
        for peer in desired.subtracting(current) {
            try await HostCommand.run("bridge", "fdb", "replace", peer.mac, "dev", vxlan, "dst", peer.underlay, "self", "permanent")
            try await HostCommand.run("ip", "neigh", "replace", peer.ipv4, "lladdr", peer.mac, "dev", vxlan, "nud", "permanent")
        }
        programmed[vni] = desired
        logger.debug("overlay reconciled", metadata: ["network": "\(networkUUID)", "peers": "\(desired.count)"])
    }

    /// Reconciles every network with an overlay here; a failure of one leaves the others to go on.
    func reconcileAll() async {
        for uuid in attached.keys {
            do {
                try await reconcile(uuid)
            } catch {
                logger.warning("reconciling an overlay failed", metadata: ["network": "\(uuid)", LogKey.error: "\(error)"])
            }
        }
    }

    /// Forgets a network whose engine network was removed, and removes its device: a bridge's ports outlive it.
    func detach(_ networkUUID: String) async {
        guard let vni = attached.removeValue(forKey: networkUUID) else { return }
        programmed[vni] = nil
        try? await HostCommand.run("ip", "link", "del", "dev", Self.vxlanName(vni: vni))
        logger.info("overlay detached", metadata: ["network": "\(networkUUID)", "vni": "\(vni)"])
    }

    /// Removes VXLAN devices of ours whose bridge is gone: a bridge's ports outlive it, so a network deleted
    /// while this host was down (its engine network removed at the next start) would leave its device behind.
    func removeOrphanDevices() async {
        guard let listing = try? await HostCommand.output("ip", "-o", "link", "show", "type", "vxlan") else { return }
        for line in listing.split(separator: "\n") {
            // `12: zvx7: <BROADCAST,…> mtu 1450 … master zbr7 …`
            let fields = line.split(separator: " ")
            guard fields.count > 1 else { continue }
            let name = fields[1].trimmingCharacters(in: CharacterSet(charactersIn: ":")).split(separator: "@").first.map(String.init) ?? ""
            guard name.hasPrefix("zvx"), let vni = Int(name.dropFirst(3)) else { continue }
            if (try? await HostCommand.succeeds("ip", "link", "show", "dev", Self.bridgeName(vni: vni))) == false {
                try? await HostCommand.run("ip", "link", "del", "dev", name)
                logger.info("removed an overlay device whose network is gone", metadata: ["vni": "\(vni)"])
            }
        }
    }
}

/// Runs iproute2's `ip` and `bridge` (netlink through the tools every host has, rather than a netlink library).
enum HostCommand {
    struct Failed: Error, CustomStringConvertible {
        var command: [String]
        var status: Int32
        var output: String
        var description: String { "`\(command.joined(separator: " "))` exited \(status): \(output)" }
    }

    static func run(_ arguments: String...) async throws {
        let (status, output) = try await execute(arguments)
        guard status == 0 else { throw Failed(command: arguments, status: status, output: output) }
    }

    static func succeeds(_ arguments: String...) async throws -> Bool {
        try await execute(arguments).status == 0
    }

    /// What the command printed, when it succeeded.
    static func output(_ arguments: String...) async throws -> String {
        let (status, output) = try await execute(arguments)
        guard status == 0 else { throw Failed(command: arguments, status: status, output: output) }
        return output
    }

    private static func execute(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { process in
                let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                continuation.resume(returning: (process.terminationStatus, output.trimmingCharacters(in: .whitespacesAndNewlines)))
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }
}
