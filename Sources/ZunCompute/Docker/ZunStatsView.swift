import DockerEngine
import ZunCore

/// Zun's one-shot stats view (docs/zun-compatibility.md, "Stats" and "The compute host") from a Docker stats sample.
enum ZunStatsView {
    static func render(_ s: ContainerStats, name: String) -> JSONValue {
        let mib = 1024.0 * 1024.0
        let total = Double(s.cpuStats?.cpuUsage?.totalUsage ?? 0)
        let system = Double(s.cpuStats?.systemCPUUsage ?? 0)
        let cpuPercent = system > 0 ? total / system * 100 : 0
        // Memory in use excludes the page cache (`inactive_file` on cgroup v2, `total_inactive_file` on v1).
        let rawUsage = Double(s.memoryStats?.usage ?? 0)
        let inactive = Double(s.memoryStats?.stats?["total_inactive_file"] ?? s.memoryStats?.stats?["inactive_file"] ?? 0)
        let usage = max(0, rawUsage - inactive)
        let limit = Double(s.memoryStats?.limit ?? 0)
        let entries = s.blkioStats?.ioServiceBytesRecursive ?? []
        let read = entries.filter { $0.op.lowercased() == "read" }.reduce(0) { $0 + $1.value }
        let write = entries.filter { $0.op.lowercased() == "write" }.reduce(0) { $0 + $1.value }
        let networks = s.networks?.values.map { $0 } ?? []
        let rx = networks.reduce(0) { $0 + $1.rxBytes }
        let tx = networks.reduce(0) { $0 + $1.txBytes }
        return [
            "CONTAINER": .string(name),
            "CPU %": .double(cpuPercent),
            "MEM USAGE(MiB)": .double(usage / mib),
            "MEM LIMIT(MiB)": .double(limit / mib),
            "MEM %": .double(limit > 0 ? usage / limit * 100 : 0),
            "BLOCK I/O(B)": .string("\(read)/\(write)"),
            "NET I/O(B)": .string("\(rx)/\(tx)"),
        ]
    }
}
