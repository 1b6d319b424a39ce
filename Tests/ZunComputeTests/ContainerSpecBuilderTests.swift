import DockerEngine
import Foundation
import Testing
import ZunCompute
import ZunCore

struct ContainerSpecBuilderTests {
    func encoded(_ container: Container) throws -> [String: Any] {
        let data = try JSONEncoder().encode(ContainerSpecBuilder(publishHost: "127.0.0.1").config(for: container))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    @Test func mapsResourcesPortsHealthcheckAndRestartPolicy() throws {
        var c = Container(uuid: "abc", name: "n", projectID: "p", userID: "u", image: "busybox:1", cpu: 0.5, memory: "64", createdAt: Date())
        c.exposedPorts = ["80/tcp": [:]]
        c.healthcheck = Healthcheck(test: "true", interval: 2, retries: 3, timeout: 1)
        c.restartPolicy = RestartPolicy(name: "on-failure", maximumRetryCount: "4")
        c.environment = ["A": "1"]
        c.privileged = true
        let body = try encoded(c)
        let host = body["HostConfig"] as! [String: Any]
        #expect(host["Memory"] as? Int == 64 * 1024 * 1024)
        #expect(host["CpuQuota"] as? Int == 50_000)
        #expect(host["CpuPeriod"] as? Int == 100_000)
        #expect(host["Privileged"] as? Bool == true)
        let restart = host["RestartPolicy"] as! [String: Any]
        #expect(restart["Name"] as? String == "on-failure")
        #expect(restart["MaximumRetryCount"] as? Int == 4)
        let bindings = (host["PortBindings"] as! [String: [[String: String]]])["80/tcp"]!
        #expect(bindings.first?["HostIp"] == "127.0.0.1")
        let health = body["Healthcheck"] as! [String: Any]
        #expect(health["Interval"] as? Int == 2_000_000_000)
        #expect(health["Timeout"] as? Int == 1_000_000_000)
        #expect(health["Test"] as? [String] == ["CMD-SHELL", "true"])
        #expect(body["Env"] as? [String] == ["A=1"])
        let labels = body["Labels"] as! [String: String]
        #expect(labels[ContainerSpecBuilder.uuidLabel] == "abc")
    }
}
