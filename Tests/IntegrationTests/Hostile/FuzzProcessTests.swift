import Foundation
import NIOCore
import NIOHTTP1
import Testing
import ZunCore
import ZunTestSupport

/// Generated hostile requests against a real `zun dev`: create bodies and action queries of wrong types,
/// Int64 edges, huge and negative numbers, unicode, NULs and deep nesting. Invariants: no 5xx, no answer
/// slower than 10 s, the process stays up, and a refused create leaves no record and no engine container.
///
/// Deterministic: `ZUN_FUZZ_SEED` (default 2026) seeds the generator, `ZUN_FUZZ_COUNT` (default 3000) sets
/// the number of requests. Images are only ever the local `busybox:1.35` or names the schema refuses, so
/// nothing is pulled from outside this machine.
@Suite(.serialized)
struct FuzzProcessTests {
    static let fuzzer = (user: "fuzz-user", project: "fz", roles: "member")

    @Test func generatedRequestsNeverCrashHangOrLeaveRecordsBehind() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["ZUN_FUZZ_SEED"].flatMap { UInt64($0) } ?? 2026
        let count = environment["ZUN_FUZZ_COUNT"].flatMap { Int($0) } ?? 3000
        try await DevProcess.run { dev in
            var generator = FuzzInput(seed: seed)
            var statuses: [String: [Int: Int]] = [:]
            var findings: [String] = []
            var accepted = 0
            var target = try await HostileProcessTests.sleeper(dev, Self.fuzzer, name: "fuzz-target")
            try await dev.waitFor(target, "Running", identity: Self.fuzzer)
            let started = ContinuousClock.now
            var slowest: Duration = .zero
            for index in 0..<count {
                if index > 0 && index % 500 == 0 {
                    // A fresh target now and then: earlier requests may have stopped or killed it.
                    target = try await HostileProcessTests.sleeper(dev, Self.fuzzer, name: "fuzz-target-\(index)")
                    try await dev.waitFor(target, "Running", identity: Self.fuzzer)
                }
                let request = generator.request(target: target)
                let before = request.kind == "create" ? try await Self.containerCount(dev) : 0
                let sent = ContinuousClock.now
                let status: Int
                do {
                    status = try await Self.send(dev, request)
                } catch {
                    findings.append("\(request.kind) \(request.path.prefix(200)): no answer within 10 s (\(error))")
                    guard dev.process.isRunning else { break }
                    continue
                }
                let took = ContinuousClock.now - sent
                slowest = max(slowest, took)
                statuses[request.kind, default: [:]][status, default: 0] += 1
                if status >= 500 { findings.append("\(request.kind) \(request.path.prefix(200)) \(request.body.prefix(200)): \(status)") }
                if request.kind == "create" {
                    if status == 202 {
                        accepted += 1
                    } else if try await Self.containerCount(dev) != before {
                        findings.append("refused create (\(status)) left a record: \(request.body.prefix(200))")
                    }
                }
                if !dev.process.isRunning {
                    findings.append("the process died after \(request.kind) \(request.path.prefix(200))")
                    break
                }
            }
            let elapsed = ContinuousClock.now - started
            print("fuzz: \(count) requests (seed \(seed)) in \(elapsed), slowest answer \(slowest), \(accepted) creates accepted")
            for (kind, byStatus) in statuses.sorted(by: { $0.key < $1.key }) {
                print("fuzz: \(kind): " + byStatus.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))
            }
            #expect(dev.process.isRunning, "zun dev is still up")
            #expect(findings.isEmpty, "\(findings.count) findings:\n\(findings.prefix(20).joined(separator: "\n"))")
            // Every engine container of this host belongs to a record: refused creates made none.
            let records = try await Self.containerCount(dev, allProjects: true)
            let docker = try await TestSupport.docker()
            let engine = try await docker.listContainers(withLabel: "zun.host=\(dev.hostName)", logger: TestSupport.logger)
            #expect(engine.count <= records, "\(engine.count) engine containers for \(records) records")
        }
    }

    static func containerCount(_ dev: DevProcess, allProjects: Bool = false) async throws -> Int {
        let reply = allProjects
            ? try await dev.call(.GET, "/v1/containers?all_projects=1&limit=1000")
            : try await dev.call(.GET, "/v1/containers?limit=1000", identity: fuzzer)
        return (reply.object["containers"] as? [Any])?.count ?? -1
    }

    /// Sends over a plain socket with `Connection: close` (an HTTP client library may trap when the server
    /// answers an oversized head before it finished sending it), and reads the status line.
    static func send(_ dev: DevProcess, _ request: FuzzInput.Request) async throws -> Int {
        let socket = try RawHTTP(port: dev.port, timeout: 10)
        defer { socket.shutdown() }
        let body = Array(request.body.utf8)
        var head = "\(request.method.rawValue) \(request.path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        head += "OpenStack-API-Version: container \(request.version)\r\n"
        head += "X-User-Id: \(fuzzer.user)\r\nX-Project-Id: \(fuzzer.project)\r\nX-Roles: \(fuzzer.roles)\r\n"
        if !body.isEmpty { head += "Content-Type: application/json\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        socket.send(head + request.body)
        let (text, closed) = socket.readAll()
        guard let line = text.split(separator: "\r\n", maxSplits: 1).first, line.hasPrefix("HTTP/1.1 "),
              let status = Int(line.dropFirst(9).prefix(3))
        else {
            throw MissingEnvironment(closed ? "closed without an answer" : "no answer within 10 s")
        }
        return status
    }
}

/// SplitMix64: a small seeded generator, so a failing run can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Generates hostile requests.
struct FuzzInput {
    struct Request {
        var kind: String
        var method: HTTPMethod
        var path: String
        var body: String = ""
        var version = "1.40"
    }

    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(state: seed) }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }

    /// Numbers at the edges: Int64's, JSON's, and the schemas' bounds.
    static let numbers = [
        "0", "-1", "1", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "18446744073709551616",
        "99999999999999999999999999", "1e308", "-1e308", "1e-320", "0.5", "-0.0", "3600", "3601", "86400", "86401",
        "65535", "65536", "10000000000", "4", "8192", "8193", "16", "16.1", "160",
    ]

    /// Strings that hurt: empty, unicode, control characters, NUL, very long, path-like, shell-like.
    mutating func string() -> String {
        switch Int.random(in: 0..<12, using: &rng) {
        case 0: return ""
        case 1: return "ü\u{1F600}\u{202E}漢字"
        case 2: return "a\u{0}b"
        case 3: return String(repeating: pick(["a", "Z", "9", "/", "%"]), count: pick([255, 256, 4097, 70_000]))
        case 4: return "../../etc/passwd"
        case 5: return "$(reboot); `id` | true"
        case 6: return pick(Self.numbers)
        case 7: return "\r\n\t\u{7F}"
        case 8: return "None"
        case 9: return "-o user"
        case 10: return "UPPER:lower:x"
        default: return String((0..<Int.random(in: 1..<20, using: &rng)).map { _ in Character(UnicodeScalar(UInt8.random(in: 33...126, using: &rng))) })
        }
    }

    /// Any JSON value, nested up to `depth`.
    mutating func json(depth: Int = 3) -> String {
        switch Int.random(in: 0..<(depth > 0 ? 9 : 6), using: &rng) {
        case 0: return "null"
        case 1: return pick(["true", "false"])
        case 2: return pick(Self.numbers)
        case 3, 4: return Self.quoted(string())
        case 5: return #""\#(pick(Self.numbers))""#
        case 6: return "[" + (0..<Int.random(in: 0..<4, using: &rng)).map { _ in json(depth: depth - 1) }.joined(separator: ",") + "]"
        case 7: return "{" + (0..<Int.random(in: 0..<4, using: &rng)).map { _ in "\(Self.quoted(string())):\(json(depth: depth - 1))" }.joined(separator: ",") + "}"
        default: return String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        }
    }

    static func quoted(_ text: String) -> String {
        String(decoding: JSONValue.string(text).serializedJSON(), as: UTF8.self)
    }

    static let createFields = [
        "name", "command", "cpu", "memory", "disk", "cpu_policy", "workdir", "labels", "environment", "restart_policy",
        "interactive", "tty", "image_pull_policy", "image_driver", "security_groups", "nets", "runtime", "hostname",
        "auto_remove", "auto_heal", "privileged", "healthcheck", "mounts", "exposed_ports", "availability_zone", "hints",
        "registry", "host", "entrypoint", "bogus",
    ]

    /// Values shaped like a field's own, but at its edges.
    mutating func nearValue(_ field: String) -> String {
        let n = pick(Self.numbers)
        switch field {
        case "healthcheck": return #"{"cmd": "true", "\#(pick(["interval", "timeout", "retries"]))": \#(chance(0.5) ? n : "\"\(n)\"")}"#
        case "restart_policy": return #"{"Name": "on-failure", "MaximumRetryCount": \#(chance(0.5) ? n : "\"\(n)\"")}"#
        case "exposed_ports": return #"{"\#(n)/\#(pick(["tcp", "udp", "sctp", ""]))": {}}"#
        case "mounts": return #"[{"size": \#(n), "destination": \#(Self.quoted(string()))}]"#
        case "hints": return #"{"\#(pick(["different_host", "same_host", "label:a"]))": \#(Self.quoted(pick([UUID().uuidString, string()])))}"#
        case "command", "entrypoint": return "[" + Self.quoted(string()) + "]"
        case "nets": return #"[{"network": \#(Self.quoted(string()))}]"#
        default: return chance(0.5) ? n : Self.quoted(string())
        }
    }

    mutating func createBody() -> String {
        if chance(0.05) { return pick(["", "{", "[]", "nul", #"{"image": "busybox:1.35""#, String(repeating: "{\"a\":", count: 3000)]) }
        // Only the local image, or names the schema refuses: nothing is ever pulled.
        var fields = [#""image": \#(pick([#""busybox:1.35""#, #""""#, #""!""#, "5", "null", "[]", "{}", #""a""#, #""!!!!""#]))"#]
        for _ in 0..<Int.random(in: 0..<4, using: &rng) {
            let field = pick(Self.createFields)
            fields.append("\(Self.quoted(field)): \(chance(0.6) ? nearValue(field) : json())")
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    /// Plausible values of some parameters, so that requests also get past validation into the handlers.
    static let plausible: [String: [String]] = [
        "sort_key": ["id", "name", "status", "created_at", "uuid"], "sort_dir": ["asc", "desc"], "limit": ["1", "2", "1000"],
        "all_projects": ["0", "false"], "timeout": ["0", "1", "3600"], "signal": ["SIGKILL", "TERM", "9", "None"],
        "tail": ["1", "all"], "stdout": ["true", "0"], "ps_args": ["aux", "-o pid"], "path": ["/tmp", "/etc/passwd", "/"],
        "repository": ["app", "library/app"], "tag": ["v1", "latest"], "command": ["true", "ls /", "echo hi"],
        "run": ["true", "false"], "h": ["24", "0"], "w": ["80"], "cpu": ["0.5", "1"], "memory": ["64", "128"], "name": ["renamed"],
    ]

    mutating func query(_ names: [String]) -> String {
        names.filter { _ in chance(0.5) }.map { name in
            let value = if let options = Self.plausible[name], chance(0.5) { pick(options) } else if chance(0.5) { pick(Self.numbers) } else { string() }
            return "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
    }

    mutating func request(target: String) -> Request {
        let version = chance(0.1) ? pick(["1.1", "1.19", "1.25", "1.39", "latest", "2.0", "1.x", ""]) : "1.40"
        switch Int.random(in: 0..<10, using: &rng) {
        case 0, 1, 2, 3:
            return Request(kind: "create", method: .POST, path: "/v1/containers?" + query(["run"]), body: createBody(), version: version)
        case 4:
            return Request(kind: "list", method: .GET, path: "/v1/containers?" + query(["limit", "marker", "sort_key", "sort_dir", "all_projects", "name", "status", "host"]), version: version)
        default:
            // Stops, reboots and kills are rare: they end the target's usefulness for the rest.
            let (action, method, params): (String, HTTPMethod, [String]) = pick([
                ("logs", .GET, ["stdout", "stderr", "timestamps", "tail", "since"]), ("top", .GET, ["ps_args"]),
                ("get_archive", .GET, ["path"]), ("put_archive", .POST, ["path", "data"]), ("commit", .POST, ["repository", "tag"]),
                ("execute", .POST, ["command", "run", "interactive"]), ("execute_resize", .POST, ["exec_id", "h", "w"]),
                ("resize", .POST, ["h", "w"]), ("resize_container", .POST, ["cpu", "memory"]), ("network_list", .GET, []),
                ("container_actions", .GET, []), ("stats", .GET, []), ("rename", .POST, ["name"]), ("pause", .POST, []),
                ("unpause", .POST, []), ("stop", .POST, ["timeout"]), ("reboot", .POST, ["timeout"]), ("kill", .POST, ["signal"]),
            ])
            var body = ""
            if method == .POST, chance(0.3) { body = json() }
            // rename exists up to 1.13 only.
            let actionVersion = action == "rename" && chance(0.7) ? "1.13" : version
            return Request(kind: action, method: method, path: "/v1/containers/\(target)/\(action)?" + query(params), body: body, version: actionVersion)
        }
    }
}
