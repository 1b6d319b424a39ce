import Foundation
import Testing
import ZunCore
import ZunStore
import ZunTestSupport

let tenantA = (user: "ua", project: "pa", roles: "member")
let tenantB = (user: "ub", project: "pb", roles: "member")

/// What a hostile member of a project can do to a real `zun dev`: none of it takes the service down, wedges
/// the host, or reaches another project.
@Suite(.serialized)
struct HostileProcessTests {
    /// A create of `project` that runs `sleep 300` as PID 1, which ignores SIGTERM; returns its uuid.
    static func sleeper(_ dev: DevProcess, _ who: (user: String, project: String, roles: String), name: String) async throws -> String {
        let reply = try await dev.call(
            .POST, "/v1/containers?run=true", json: #"{"name": "\#(name)", "image": "busybox:1.35", "command": ["sleep", "300"], "memory": 16, "cpu": 0.1}"#,
            identity: who
        )
        guard reply.status.code == 202, let uuid = reply.object["uuid"] as? String else { throw MissingEnvironment("create failed: \(reply.json ?? "")") }
        return uuid
    }

    @Test func aTaskThatKeepsKillingTheAgentIsGivenUpAfterTwoDeaths() async throws {
        try await DevProcess.run { dev in
            let uuid = try await Self.sleeper(dev, tenantA, name: "stubborn")
            try await dev.waitFor(uuid, "Running", identity: tenantA)
            #expect(try await dev.call(.POST, "/v1/containers/\(uuid)/stop?timeout=600", identity: tenantA).status.code == 202)
            // Twice: the stop task is running (the engine waits out the grace period) when the process dies. The
            // test reads the process's own SQLite file to see each life claim the task before it kills it.
            let store = try await SQLStore.openSQLite(path: dev.dataDir + "/zun.sqlite", logger: TestSupport.logger)
            for life in 1...2 {
                try await TestSupport.eventually(timeout: .seconds(30)) {
                    let stop = try await store.tasks(containerUUID: uuid).first { $0.kind == .stop }
                    return stop?.state == .running && stop?.attempts == life ? true : nil
                }
                dev.process.killHard()
                try await dev.start()
            }
            try await store.close()
            let view = try await dev.waitFor(uuid, "Error", identity: tenantA)
            let reason = view["status_reason"] as? String ?? ""
            #expect(reason.contains("stop task"), "\(reason)")
            #expect(reason.contains("2 times"), "\(reason)")
            // The agent carries on: another project's create runs.
            let other = try await Self.sleeper(dev, tenantB, name: "after")
            try await dev.waitFor(other, "Running", identity: tenantB)
            #expect(dev.process.isRunning)
        }
    }

    @Test func stopsThatWaitOutLongGracePeriodsDoNotHoldUpAnotherProjectsCreate() async throws {
        try await DevProcess.run { dev in
            var stubborn: [String] = []
            for i in 0..<9 { stubborn.append(try await Self.sleeper(dev, tenantB, name: "ignores-term-\(i)")) }
            for uuid in stubborn { try await dev.waitFor(uuid, "Running", identity: tenantB) }
            for uuid in stubborn {
                #expect(try await dev.call(.POST, "/v1/containers/\(uuid)/stop?timeout=3600", identity: tenantB).status.code == 202)
            }
            try await TestSupport.eventually(timeout: .seconds(30)) {
                let views = try await dev.call(.GET, "/v1/containers", identity: tenantB).object["containers"] as? [[String: Any]] ?? []
                return views.filter { $0["task_state"] as? String == "container_stopping" }.count >= 8 ? true : nil
            }
            let start = ContinuousClock.now
            let uuid = try await Self.sleeper(dev, tenantA, name: "not-starved")
            try await dev.waitFor(uuid, "Running", identity: tenantA, timeout: .seconds(30))
            print("create behind 9 long stops: Running after \(ContinuousClock.now - start)")
            // The state sync still reports: a container that exits behind our back is seen.
            #expect(try await dev.call(.POST, "/v1/containers/\(uuid)/kill?signal=KILL", identity: tenantA).status.code == 202)
            try await dev.waitFor(uuid, "Stopped", identity: tenantA, timeout: .seconds(30))
        }
    }

    @Test func headsThatAreTooLargeOrTooSlowAreAnsweredAndClosed() async throws {
        try await DevProcess.run(extraArguments: ["--request-head-timeout", "2"]) { dev in
            func answer(_ head: String) throws -> String {
                let socket = try RawHTTP(port: dev.port, timeout: 5)
                defer { socket.shutdown() }
                socket.send(head)
                let (text, closed) = socket.readAll()
                #expect(closed, "the connection is closed after the answer")
                return text
            }
            #expect(try answer("GET /v1/containers?\(String(repeating: "a", count: 1 << 20)) HTTP/1.1\r\nHost: x\r\n\r\n").hasPrefix("HTTP/1.1 414"))
            #expect(try answer("GET /\(String(repeating: "p", count: 1 << 20)) HTTP/1.1\r\nHost: x\r\n\r\n").hasPrefix("HTTP/1.1 414"))
            let many = (0..<1000).map { "X-H\($0): v\r\n" }.joined()
            #expect(try answer("GET / HTTP/1.1\r\nHost: x\r\n\(many)\r\n").hasPrefix("HTTP/1.1 431"))
            let huge = try answer("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 1 << 20))\r\n\r\n")
            #expect(huge.hasPrefix("HTTP/1.1 431"))
            // Zun's error body, as every other error of the API has it.
            let body = huge.components(separatedBy: "\r\n\r\n").last ?? ""
            let error = ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any])?["errors"] as? [[String: Any]]
            #expect(error?.first?["code"] as? String == "container.request-header-fields-too-large", "\(body)")
            #expect(error?.first?["status"] as? Int == 431, "\(body)")
            #expect(try answer("POST /v1/containers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n").hasPrefix("HTTP/1.1 400"))

            // 300 clients that never finish their heads.
            let pid = try #require(dev.process.pid)
            let before = RawHTTP.openFiles(pid: pid)
            var slow: [RawHTTP] = []
            for _ in 0..<300 {
                let socket = try RawHTTP(port: dev.port, timeout: 10)
                socket.send("GET /v1/containers HTTP/1.1\r\nHost: x\r\n")
                slow.append(socket)
            }
            let started = ContinuousClock.now
            #expect(try await dev.call(.GET, "/v1/containers", timeout: .seconds(5)).status.code == 200)
            print("a request beside 300 slow clients answered in \(ContinuousClock.now - started)")
            // Each slow client is answered 408 and closed by the deadline; the descriptors go back.
            var closedCount = 0
            for socket in slow {
                let (text, closed) = socket.readAll()
                if closed && text.hasPrefix("HTTP/1.1 408") { closedCount += 1 }
                socket.shutdown()
            }
            #expect(closedCount == 300)
            let after = try await TestSupport.eventually(timeout: .seconds(10)) {
                let now = RawHTTP.openFiles(pid: pid)
                return now <= before + 10 ? now : nil
            }
            print("open files of zun dev: \(before) before, \(after) after 300 slow clients")
        }
    }

    @Test func bodiesOverTheirLimitAre413AndArchivesUpTo32MiBFit() async throws {
        try await DevProcess.run { dev in
            let big = #"{"image": "busybox:1.35", "labels": {"a": ""# + String(repeating: "x", count: 2 << 20) + #""}}"#
            let refused = try await dev.call(.POST, "/v1/containers", json: big, identity: tenantA)
            #expect(refused.status.code == 413)
            #expect(refused.error["code"] as? String == "container.request-entity-too-large")
            #expect((try await dev.call(.GET, "/v1/containers", identity: tenantA).object["containers"] as? [Any])?.isEmpty == true)

            let uuid = try await Self.sleeper(dev, tenantA, name: "archive")
            try await dev.waitFor(uuid, "Running", identity: tenantA)
            // Just under the documented 32 MiB of tar.
            let payload = [UInt8](repeating: UInt8(ascii: "z"), count: 31 << 20)
            let tar = TestTar.make(name: "big.bin", contents: payload).base64EncodedString()
            let put = try await dev.call(.POST, "/v1/containers/\(uuid)/put_archive", json: #"{"path": "/tmp", "data": "\#(tar)"}"#, identity: tenantA)
            #expect(put.status.code == 200, "\(put.json ?? "")")
            let exec = try await dev.call(.POST, "/v1/containers/\(uuid)/execute?command=wc+-c+/tmp/big.bin", identity: tenantA)
            #expect((exec.object["output"] as? String)?.contains("\(31 << 20)") == true, "\(exec.json ?? "")")
        }
    }
}
