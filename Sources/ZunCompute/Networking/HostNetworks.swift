import DockerEngine
import Foundation
import Logging
import ZunCore

/// Realizes network records as bridge networks of this host's engine, lazily, the first time a container
/// of this host joins one (docs/architecture.md, "Networks").
///
/// Convergence without a cluster store: every host names its copy `zun-net-<uuid>` and gives it the record's
/// subnet, so there is nothing to agree on between hosts. On one host, concurrent creators share one
/// in-flight realization; the engine's duplicate-name check and a re-inspect after a conflict cover
/// anything else (a second agent process on the same engine), with retries and backoff for transient
/// engine errors. A copy removed behind our back is simply made again by the next container that needs it.
public actor HostNetworks {
    let engine: any ContainerEngine
    let controlPlane: any ControlPlane
    let hostName: String
    /// The overlays of this host's networks, when it takes part in them.
    nonisolated let overlay: HostOverlay?
    let logger: Logger
    private var inFlight: [String: Task<String, any Error>] = [:]
    /// Networks this agent realized (or found) since it started: later containers only check the engine
    /// still has the copy, without reading or writing the store.
    private var realized: Set<String> = []
    /// Realizations not yet known to be recorded, by network. Without an overlay nothing waits on the record (only
    /// overlay hosts are woken by port changes), so it travels with the task's own reports and costs no
    /// transaction of its own; every task on the network posts it again until one delivery answered for it.
    private var unrecorded: [String: NodeReport] = [:]

    init(engine: any ContainerEngine, controlPlane: any ControlPlane, hostName: String, overlay: HostOverlay? = nil, logger: Logger) {
        self.engine = engine
        self.controlPlane = controlPlane
        self.hostName = hostName
        self.overlay = overlay
        self.logger = logger
    }

    /// The networks this host made its copy of (a claim names them, so that its answer carries the others).
    var realizedUUIDs: [String] { Array(realized) }

    /// The engine network of `networkUUID` on this host, made if missing; returns its name. A realization
    /// that was not recorded yet is posted to `reports`, the outbox of the task that needs the network.
    func ensure(_ networkUUID: String, known: Network? = nil, reports: ReportOutbox) async throws -> String {
        let name = try await ensureRealized(networkUUID, known: known)
        if let report = unrecorded[networkUUID] {
            reports.post(report) { await self.delivered(report, of: networkUUID) }
        }
        return name
    }

    /// - Parameter known: the network's record when the caller has it (a claim carried it), else it is read.
    private func ensureRealized(_ networkUUID: String, known: Network? = nil) async throws -> String {
        if realized.contains(networkUUID) {
            let name = Network.dockerName(networkUUID)
            if try await engine.inspectNetwork(name, logger: logger) != nil { return name }
            realized.remove(networkUUID)  // removed behind our back: make it again
        }
        if let running = inFlight[networkUUID] { return try await running.value }
        let task = Task { try await self.realize(networkUUID, known: known) }
        inFlight[networkUUID] = task
        defer { inFlight[networkUUID] = nil }
        let name = try await task.value
        realized.insert(networkUUID)
        return name
    }

    private func delivered(_ report: NodeReport, of networkUUID: String) {
        if unrecorded[networkUUID] == report { unrecorded[networkUUID] = nil }
    }

    private func realize(_ uuid: String, known: Network?) async throws -> String {
        let read: Network?
        if let known { read = known } else { read = try await controlPlane.network(uuid: uuid) }
        guard let network = read else { throw ZunError.resourceNotFound("Network", uuid) }
        var attempt = 0
        while true {
            do {
                let id = try await getOrCreate(network)
                await attachOverlay(network)
                let report = NodeReport.networkRealized(uuid: uuid, dockerID: id, overlay: overlay != nil)
                if overlay == nil {
                    unrecorded[uuid] = report
                } else {
                    // Recorded before the container's port goes live, so that this host is woken by the
                    // network's port changes from then on.
                    try await controlPlane.submit(report)
                }
                return network.dockerName
            } catch let error as DockerError where attempt < 3 && !error.isPermanent {
                attempt += 1
                logger.warning("creating the engine network failed; retrying", metadata: [
                    "network": "\(uuid)", LogKey.error: "\(error.message)", "attempt": "\(attempt)",
                ])
                try await Task.sleep(for: .milliseconds(250 << attempt))
            }
        }
    }

    private func getOrCreate(_ network: Network) async throws -> String {
        if let existing = try await engine.inspectNetwork(network.dockerName, logger: logger) {
            return existing.id
        }
        let config = network.subnets.map { NetworkInspect.IPAMConfig(subnet: $0.cidr, gateway: $0.gateway) }
        let body = NetworkCreate(
            name: network.dockerName, enableIPv6: network.ipv6 != nil, ipam: .init(config: config),
            labels: [
                Network.uuidLabel: network.uuid, ContainerSpecBuilder.projectLabel: network.projectID,
                ContainerSpecBuilder.hostLabel: hostName,
            ],
            options: network.vni.flatMap { vni in overlay?.bridgeOptions(vni: vni) }
        )
        do {
            let id = try await engine.createNetwork(body, logger: logger)
            logger.info("realized network on this host", metadata: ["network": "\(network.uuid)", "subnets": "\(config.compactMap(\.subnet))"])
            return id
        } catch let error as DockerError where error.isConflict {
            // Made concurrently by another creator on this engine: use theirs.
            guard let existing = try await engine.inspectNetwork(network.dockerName, logger: logger) else { throw error }
            return existing.id
        }
    }

    /// Puts the network's overlay under its bridge. A failure leaves the network working on this host only, so
    /// it is logged rather than failing the container that needed the network.
    private func attachOverlay(_ network: Network) async {
        guard let overlay, network.vni != nil else { return }
        do {
            try await overlay.attach(network)
        } catch {
            logger.error("attaching the network's overlay failed", metadata: ["network": "\(network.uuid)", LogKey.error: "\(error)"])
        }
    }

    /// After a start: puts back the overlays of this host's engine networks, from their records, so that an
    /// agent restart restores connectivity across hosts without any container having to ask.
    public func restoreOverlays() async {
        guard let overlay else { return }
        await overlay.removeOrphanDevices()
        do {
            for engineNetwork in try await engine.listNetworks(withLabel: "\(ContainerSpecBuilder.hostLabel)=\(hostName)", logger: logger) {
                guard let uuid = engineNetwork.labels?[Network.uuidLabel], let network = try await controlPlane.network(uuid: uuid) else { continue }
                await attachOverlay(network)
                realized.insert(uuid)
            }
        } catch {
            logger.warning("restoring overlays failed", metadata: [LogKey.error: "\(error)"])
        }
    }

    /// Removes engine networks (and volumes) this host made whose records are gone; ones still in use stay.
    /// Only this host's (by label), like container reconciliation: an engine may serve more than one host.
    public func removeOrphans() async {
        let mine = "\(ContainerSpecBuilder.hostLabel)=\(hostName)"
        do {
            for network in try await engine.listNetworks(withLabel: mine, logger: logger) {
                guard let uuid = network.labels?[Network.uuidLabel], try await controlPlane.network(uuid: uuid) == nil else { continue }
                try? await engine.removeNetwork(network.id, logger: logger)
                await overlay?.detach(uuid)
            }
            for volume in try await engine.listVolumes(withLabel: mine, logger: logger) {
                guard let uuid = volume.labels?[Volume.uuidLabel], try await controlPlane.volume(uuid: uuid) == nil else { continue }
                try? await engine.removeVolume(volume.name, logger: logger)
            }
        } catch {
            logger.debug("orphan sweep failed", metadata: [LogKey.error: "\(error)"])
        }
    }
}

extension DockerError {
    /// Errors no retry can fix (a bad request, a subnet the engine refuses as overlapping).
    var isPermanent: Bool { status == 400 || status == 403 || status == 404 }
}
