import Foundation
import Testing
import ZunTestSupport

/// Compute hosts modelled as Linux network namespaces: each has its own network stack, its own dockerd (private
/// socket, data and exec roots under a temporary directory) and its own address on an underlay bridge that joins
/// them. The bridge sits in a namespace of its own, so the root namespace's firewall never sees the hosts'
/// packets; the root namespace has one address on it, where the API replicas listen. Every address here is made
/// up by the fixture and exists only on links it created, so no test traffic leaves them.
final class NamespaceHosts: @unchecked Sendable {
    struct Host {
        var name: String
        var namespace: String
        var address: String
        var socket: String
        var engine: String { "unix://\(socket)" }
        /// How an agent of this host is started: in the host's network namespace, sharing everything else.
        var launcher: [String] { ["/usr/bin/nsenter", "--net=/var/run/netns/\(namespace)"] }
    }

    let id = String(UUID().uuidString.prefix(5)).lowercased()
    let directory: String
    /// The underlay's /24, as its first three octets.
    let subnet = "10.213.\(Int.random(in: 1...250))"
    private(set) var hosts: [String: Host] = [:]
    private var dockerds: [Process] = []

    var underlayNamespace: String { "zo\(id)u" }
    var rootLink: String { "zo\(id)r" }
    /// The root namespace's address on the underlay: API replicas listen here.
    var apiAddress: String { "\(subnet).1" }

    private init(directory: String) {
        self.directory = directory
    }

    /// Makes the underlay and `names.count` hosts, each with a running dockerd holding busybox:1.35.
    static func make(_ names: [String]) async throws -> NamespaceHosts {
        guard getuid() == 0 else { throw MissingEnvironment("namespace hosts need root (ip netns, nsenter, dockerd): run ./scripts/test as root") }
        let fixture = NamespaceHosts(directory: try TestSupport.temporaryDirectory())
        do {
            try fixture.makeUnderlay()
            for (index, name) in names.enumerated() { try fixture.addHost(name, index: index) }
            // The engines start side by side; each is then given busybox.
            let archive = try busyboxArchive.get()
            for name in names {
                let engine = fixture[name].engine
                try await TestSupport.eventually(timeout: .seconds(60)) {
                    (try? Self.run("docker", "-H", engine, "version", "--format", "{{.Server.Version}}")) != nil ? true : nil
                }
                try Self.run("docker", "-H", engine, "load", "-q", "-i", archive)
            }
        } catch {
            fixture.tearDown()
            throw error
        }
        return fixture
    }

    private func makeUnderlay() throws {
        let u = underlayNamespace
        try Self.run("ip", "netns", "add", u)
        try Self.run("ip", "-n", u, "link", "set", "lo", "up")
        try Self.run("ip", "-n", u, "link", "add", "ul", "type", "bridge")
        try Self.run("ip", "-n", u, "link", "set", "ul", "up")
        try Self.run("ip", "link", "add", rootLink, "type", "veth", "peer", "name", "root", "netns", u)
        try Self.run("ip", "-n", u, "link", "set", "root", "master", "ul", "up")
        try Self.run("ip", "addr", "add", "\(apiAddress)/24", "dev", rootLink)
        try Self.run("ip", "link", "set", rootLink, "up")
    }

    /// busybox:1.35 saved once per test process from the test engine: the engines of namespace hosts reach no
    /// registry.
    static let busyboxArchive: Result<String, any Error> = Result {
        guard let source = ProcessInfo.processInfo.environment["ZUN_TEST_DOCKER_HOST"] else {
            throw MissingEnvironment("ZUN_TEST_DOCKER_HOST is not set: run ./scripts/test (it starts the test engines)")
        }
        let path = try TestSupport.temporaryDirectory() + "/busybox.tar"
        try run("docker", "-H", source, "save", "-o", path, "busybox:1.35")
        return path
    }

    private func addHost(_ name: String, index: Int) throws {
        let namespace = "zo\(id)h\(index)"
        let address = "\(subnet).\(11 + index)"
        try Self.run("ip", "netns", "add", namespace)
        try Self.run("ip", "-n", namespace, "link", "set", "lo", "up")
        try Self.run("ip", "-n", underlayNamespace, "link", "add", "h\(index)", "type", "veth", "peer", "name", "eth0", "netns", namespace)
        try Self.run("ip", "-n", underlayNamespace, "link", "set", "h\(index)", "master", "ul", "up")
        try Self.run("ip", "-n", namespace, "addr", "add", "\(address)/24", "dev", "eth0")
        try Self.run("ip", "-n", namespace, "link", "set", "eth0", "up")

        let root = "\(directory)/\(name)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let host = Host(name: name, namespace: namespace, address: address, socket: "\(root)/docker.sock")
        let dockerd = Process()
        dockerd.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        dockerd.arguments = [
            "--net=/var/run/netns/\(namespace)", "dockerd", "--host", host.engine, "--data-root", "\(root)/data",
            "--exec-root", "\(root)/exec", "--pidfile", "\(root)/docker.pid", "--bridge=none",
        ]
        let log = FileManager.default.createFile(atPath: "\(root)/dockerd.log", contents: nil) ? try FileHandle(forWritingTo: URL(fileURLWithPath: "\(root)/dockerd.log")) : nil
        dockerd.standardOutput = log
        dockerd.standardError = log
        try dockerd.run()
        dockerds.append(dockerd)
        hosts[name] = host
    }

    subscript(_ name: String) -> Host { hosts[name]! }

    /// `docker` against a host's engine; its output.
    @discardableResult
    func docker(_ host: String, _ arguments: String...) throws -> String {
        try Self.run(["docker", "-H", self[host].engine] + arguments)
    }

    /// A command in a host's network namespace; its output.
    @discardableResult
    func inHost(_ host: String, _ arguments: String...) throws -> String {
        try Self.run(self[host].launcher + arguments)
    }

    /// What each host's kernel holds of the overlays (links, forwarding and neighbour entries), for a failure.
    func diagnostics() -> String {
        hosts.values.sorted { $0.name < $1.name }.map { host in
            let inNamespace = ["/usr/bin/nsenter", "--net=/var/run/netns/\(host.namespace)"]
            let commands = [
                ["ip", "-br", "link"], ["ip", "-br", "addr"], ["bridge", "fdb", "show"], ["ip", "neigh", "show"], ["iptables", "-S", "FORWARD"],
                ["docker", "-H", host.engine, "ps", "-a"],
            ]
            let parts = commands.map { command in
                (try? Self.run(inNamespace + command)) ?? "(\(command.joined(separator: " ")) failed)"
            }
            return "---- host \(host.name) (\(host.address)) ----\n" + parts.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Stops the engines (their containers with them) and removes the namespaces and links.
    func tearDown() {
        for host in hosts.values {
            let ids = ((try? Self.run("docker", "-H", host.engine, "ps", "-aq")) ?? "").split(separator: "\n").map(String.init)
            if !ids.isEmpty { _ = try? Self.run(["docker", "-H", host.engine, "rm", "-f"] + ids) }
        }
        for dockerd in dockerds where dockerd.isRunning {
            dockerd.terminate()
            let deadline = Date().addingTimeInterval(20)
            while dockerd.isRunning && Date() < deadline { usleep(100_000) }
        }
        for host in hosts.values { _ = try? Self.run("ip", "netns", "del", host.namespace) }
        _ = try? Self.run("ip", "link", "del", rootLink)
        _ = try? Self.run("ip", "netns", "del", underlayNamespace)
    }

    @discardableResult
    static func run(_ arguments: String...) throws -> String { try run(arguments) }

    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CommandFailed(description: "`\(arguments.joined(separator: " "))` exited \(process.terminationStatus): \(output)")
        }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct CommandFailed: Error, CustomStringConvertible {
        var description: String
    }
}
