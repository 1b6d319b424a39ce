import ZunCore

/// The container view (docs/zun-compatibility.md, "The container view"); admin-only fields are dropped when policy denies them.
enum ContainerView {
    static func render(_ c: Container, hostURL: String, identity: Identity, policy: Policy) -> JSONValue {
        var view: [String: JSONValue] = [
            "uuid": .string(c.uuid),
            "links": links(c.uuid, hostURL),
            "name": .string(c.name),
            "image": .string(c.image),
            "command": c.command.map { .array($0.map(JSONValue.string)) } ?? .null,
            "entrypoint": c.entrypoint.map { .array($0.map(JSONValue.string)) } ?? .null,
            "status": .string(c.status.rawValue),
            "status_reason": JSONValue(c.statusReason),
            "status_detail": JSONValue(c.statusDetail),
            "task_state": JSONValue(c.taskState?.rawValue),
            "cpu": .double(c.cpu),
            "memory": .string(c.memory),
            "disk": c.disk.map { .int($0) } ?? .null,
            "cpu_policy": JSONValue(c.cpuPolicy),
            "environment": strings(c.environment),
            "workdir": JSONValue(c.workdir),
            "labels": strings(c.labels),
            "ports": c.ports.map { .array($0.map(JSONValue.int)) } ?? .array([]),
            "hostname": JSONValue(c.hostname),
            "addresses": addresses(c.addresses),
            "restart_policy": c.restartPolicy.map {
                ["Name": .string($0.name), "MaximumRetryCount": .string($0.maximumRetryCount)]
            } ?? .object([:]),
            "interactive": .bool(c.interactive),
            "tty": .bool(c.tty),
            "image_driver": .string(c.imageDriver),
            "security_groups": .array(c.securityGroups.map(JSONValue.string)),
            "auto_remove": .bool(c.autoRemove),
            "auto_heal": .bool(c.autoHeal),
            "healthcheck": healthcheck(c.healthcheck),
            "registry_id": JSONValue(c.registryID),
            "user_id": .string(c.userID),
            "project_id": .string(c.projectID),
            "created_at": .string(ZunTimestamp.spaced(c.createdAt)),
            "updated_at": JSONValue(c.updatedAt.map(ZunTimestamp.spaced)),
        ]
        let adminOnly: [(String, PolicyRule, JSONValue)] = [
            ("host", .containerGetOneHost, JSONValue(c.host)),
            ("image_pull_policy", .containerGetOneImagePullPolicy, JSONValue(c.imagePullPolicy)),
            ("privileged", .containerGetOnePrivileged, .bool(c.privileged)),
            ("runtime", .containerGetOneRuntime, JSONValue(c.runtime)),
        ]
        for (field, rule, value) in adminOnly where policy.allows(rule, identity) {
            view[field] = value
        }
        return .object(view)
    }

    static func links(_ uuid: String, _ hostURL: String) -> JSONValue {
        [
            ["href": .string("\(hostURL)/v1/containers/\(uuid)"), "rel": "self"],
            ["href": .string("\(hostURL)/containers/\(uuid)"), "rel": "bookmark"],
        ]
    }

    private static func strings(_ map: [String: String]) -> JSONValue {
        .object(map.mapValues(JSONValue.string))
    }

    private static func addresses(_ addresses: [String: [ContainerAddress]]?) -> JSONValue {
        guard let addresses else { return .null }
        return .object(addresses.mapValues { list in
            .array(list.map { a in
                [
                    "addr": .string(a.addr), "version": .int(a.version), "port": JSONValue(a.port),
                    "subnet_id": JSONValue(a.subnetID), "preserve_on_delete": .bool(a.preserveOnDelete),
                ]
            })
        })
    }

    private static func healthcheck(_ check: Healthcheck?) -> JSONValue {
        guard let check else { return .object([:]) }
        return [
            "test": JSONValue(check.test), "interval": check.interval.map(JSONValue.int) ?? .null,
            "retries": check.retries.map(JSONValue.int) ?? .null, "timeout": check.timeout.map(JSONValue.int) ?? .null,
        ]
    }
}

/// Views of container actions and their events (docs/zun-compatibility.md, "Actions").
enum ActionView {
    static func render(_ a: ContainerAction) -> [String: JSONValue] {
        [
            "action": .string(a.action),
            "container_uuid": .string(a.containerUUID),
            "request_id": .string(a.requestID),
            "user_id": .string(a.userID),
            "project_id": .string(a.projectID),
            "start_time": .string(ZunTimestamp.iso(a.startTime)),
            "finish_time": JSONValue(a.finishTime.map(ZunTimestamp.iso)),
            "message": JSONValue(a.message),
        ]
    }

    static func render(_ e: ContainerActionEvent, showTraceback: Bool) -> JSONValue {
        [
            "event": .string(e.event),
            "start_time": .string(ZunTimestamp.iso(e.startTime)),
            "finish_time": JSONValue(e.finishTime.map(ZunTimestamp.iso)),
            "result": JSONValue(e.result),
            "traceback": showTraceback ? JSONValue(e.traceback) : .null,
        ]
    }
}

/// The host view (docs/zun-compatibility.md, "Hosts"), with usage counted from the containers placed there.
enum HostView {
    static func render(_ node: ComputeNode, usage: HostUsage?, hostURL: String) -> JSONValue {
        [
            "uuid": .string(node.uuid),
            "links": [
                ["href": .string("\(hostURL)/v1/hosts/\(node.uuid)"), "rel": "self"],
                ["href": .string("\(hostURL)/hosts/\(node.uuid)"), "rel": "bookmark"],
            ],
            "hostname": .string(node.hostname),
            "mem_total": .int(node.memTotal),
            "mem_used": .int(usage?.memoryMB ?? 0),
            "cpus": .int(node.cpus),
            "cpu_used": .double(usage?.cpu ?? 0),
            "disk_total": .int(node.diskTotal),
            "disk_used": .int(usage?.diskGB ?? 0),
            "disk_quota_supported": .bool(node.diskQuotaSupported),
            "total_containers": .int(usage?.containers ?? 0),
            "architecture": JSONValue(node.architecture),
            "os_type": JSONValue(node.osType),
            "os": JSONValue(node.os),
            "kernel_version": JSONValue(node.kernelVersion),
            "labels": .object(node.labels.mapValues(JSONValue.string)),
            "runtimes": .array(node.runtimes.map(JSONValue.string)),
            "enable_cpu_pinning": .bool(node.enableCPUPinning),
        ]
    }
}
