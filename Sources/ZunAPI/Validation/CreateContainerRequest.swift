import ZunCore

/// A validated `POST /v1/containers` body (docs/zun-compatibility.md, "Create"), typed and normalised for one microversion.
struct CreateContainerRequest: Sendable {
    var name: String?
    var image: String = ""
    var command: [String]?
    var entrypoint: [String]?
    var cpu: Double?
    var memory: Int?
    var disk: Int?
    var cpuPolicy: String?
    var workdir: String?
    var labels: [String: String]?
    var environment: [String: String]?
    var restartPolicy: RestartPolicy?
    var interactive: Bool?
    var tty: Bool?
    var imagePullPolicy: String?
    var imageDriver: String?
    var securityGroups: [String]?
    var nets: [[String: String]]?
    var runtime: String?
    var hostname: String?
    var autoRemove: Bool?
    var autoHeal: Bool?
    var privileged: Bool?
    var healthcheck: Healthcheck?
    var mounts: [JSONValue]?
    var exposedPorts: [String: [String: String]]?
    var availabilityZone: String?
    var hints: [String: String]?
    var registry: String?
    var host: String?
}

/// Validates a create body against the schema of its microversion.
struct CreateContainerValidator {
    let version: APIVersion
    var limits = CreateLimits()

    /// Bounds of `cpu`, `memory` and `disk` (Zun's `minimum_*`/`maximum_*` options).
    struct CreateLimits {
        var cpu = (SchemaChecks.Bound(value: 0.1, text: "0.1"), SchemaChecks.Bound(value: 16, text: "16.0"))
        var memory = (SchemaChecks.Bound(value: 4, text: "4"), SchemaChecks.Bound(value: 8192, text: "8192"))
        var disk = (SchemaChecks.Bound(value: 1, text: "1"), SchemaChecks.Bound(value: 160, text: "160"))
    }

    /// Properties of the schema at this version (1.39 adds `host`, 1.40 adds `entrypoint`).
    var properties: Set<String> {
        var names: Set<String> = [
            "name", "image", "command", "cpu", "memory", "disk", "cpu_policy", "workdir", "labels", "environment",
            "restart_policy", "interactive", "tty", "image_pull_policy", "image_driver", "security_groups", "nets",
            "runtime", "hostname", "auto_remove", "auto_heal", "privileged", "healthcheck", "mounts", "exposed_ports",
            "availability_zone", "hints", "registry",
        ]
        if version >= APIVersion(1, 39) { names.insert("host") }
        if version >= APIVersion(1, 40) { names.insert("entrypoint") }
        return names
    }

    func validate(_ body: JSONValue) throws -> CreateContainerRequest {
        guard case .object(let object) = body else {
            throw ZunError.schemaValidation("\(body.pythonRepr) is not of type 'object'")
        }
        let unexpected = object.keys.filter { !properties.contains($0) }.sorted()
        if !unexpected.isEmpty {
            let list = unexpected.map { "'\($0)'" }.joined(separator: ", ")
            throw ZunError.schemaValidation(
                "Additional properties are not allowed (\(list) \(unexpected.count == 1 ? "was" : "were") unexpected)"
            )
        }
        guard let image = object["image"] else { throw ZunError.schemaValidation("'image' is a required property") }

        var r = CreateContainerRequest()
        r.image = try SchemaChecks.dockerImage(image)
        for (field, value) in object.sorted(by: { $0.key < $1.key }) where field != "image" {
            try validate(field, value, into: &r)
        }
        try checkVersionGates(object, r)
        // 1.1–1.35: `interactive` decides `tty`; from 1.36 they are independent.
        if version < APIVersion(1, 36), let interactive = r.interactive { r.tty = interactive }
        if let groups = r.securityGroups, !groups.isEmpty, let ports = r.exposedPorts, !ports.isEmpty {
            throw ZunError.invalidValue("security_groups cannot be combined with exposed_ports")
        }
        return r
    }

    /// Validates some create properties on their own (PATCH and resize_container reuse the create rules):
    /// no required `image`, no version gates.
    func validateProperties(_ object: [String: JSONValue]) throws -> CreateContainerRequest {
        var r = CreateContainerRequest()
        for (field, value) in object.sorted(by: { $0.key < $1.key }) {
            try validate(field, value, into: &r)
        }
        return r
    }

    private func validate(_ field: String, _ value: JSONValue, into r: inout CreateContainerRequest) throws {
        switch field {
        case "name":
            r.name = try SchemaChecks.string(field, value, minLength: 2, maxLength: 255, pattern: .name)
        case "command":
            if version < APIVersion(1, 20) {
                r.command = try SchemaChecks.string(field, value).map(Shlex.split)
            } else {
                r.command = try SchemaChecks.stringList(field, value)
            }
        case "entrypoint":
            r.entrypoint = try SchemaChecks.stringList(field, value)
        case "cpu":
            r.cpu = try SchemaChecks.number(
                field, value, types: ["number", "string", "null"], integerOnly: false, minimum: limits.cpu.0,
                maximum: limits.cpu.1, pattern: .decimal
            )
        case "memory":
            r.memory = try SchemaChecks.number(
                field, value, types: ["string", "integer", "null"], integerOnly: true, minimum: limits.memory.0,
                maximum: limits.memory.1, pattern: .digits
            ).map { Int($0) }
        case "disk":
            r.disk = try SchemaChecks.number(
                field, value, types: ["string", "integer", "null"], integerOnly: true, minimum: limits.disk.0,
                maximum: limits.disk.1, pattern: .digits
            ).map { Int($0) }
        case "cpu_policy":
            r.cpuPolicy = try SchemaChecks.enumValue(field, value, ["dedicated", "shared"])
        case "workdir":
            r.workdir = try SchemaChecks.string(field, value)
        case "labels":
            r.labels = try SchemaChecks.stringMap(field, value)
        case "environment":
            r.environment = try SchemaChecks.stringMap(field, value)
        case "restart_policy":
            r.restartPolicy = try restartPolicy(value)
        case "interactive":
            r.interactive = try SchemaChecks.looseBool(field, value)
        case "tty":
            r.tty = try SchemaChecks.looseBool(field, value)
        case "image_pull_policy":
            r.imagePullPolicy = try SchemaChecks.enumValue(
                field, value, ["never", "always", "ifnotpresent", "Never", "Always", "IfNotPresent", nil]
            )
        case "image_driver":
            let driver = try SchemaChecks.enumValue(field, value, ["glance", "docker", "None", nil])
            if driver == "glance" {
                throw ZunError.invalidValue("Image driver glance is not supported: this service pulls images with Docker.")
            }
            r.imageDriver = driver == "None" ? nil : driver
        case "security_groups":
            guard let items = try SchemaChecks.stringList(field, value) else { return }
            for item in items where item.isEmpty || item.count > 255 {
                throw SchemaChecks.fieldError(field, value, "'\(item)' is \(item.isEmpty ? "too short" : "too long")")
            }
            var seen = Set<String>()
            r.securityGroups = items.filter { seen.insert($0).inserted }
        case "nets":
            r.nets = try nets(value)
        case "runtime":
            r.runtime = try SchemaChecks.string(field, value)
        case "hostname":
            r.hostname = try SchemaChecks.string(field, value, nullable: false, minLength: 1, maxLength: 255, pattern: .hostname)
        case "auto_remove":
            switch value {
            case .null: r.autoRemove = nil
            case .bool(let b): r.autoRemove = b
            default: throw SchemaChecks.typeError(field, value, ["boolean", "null"])
            }
        case "auto_heal":
            r.autoHeal = try SchemaChecks.looseBool(field, value)
        case "privileged":
            r.privileged = try SchemaChecks.looseBool(field, value)
        case "healthcheck":
            r.healthcheck = try healthcheck(value)
        case "mounts":
            switch value {
            case .null: r.mounts = nil
            case .array(let items): r.mounts = items
            default: throw SchemaChecks.typeError(field, value, ["array", "null"])
            }
        case "exposed_ports":
            r.exposedPorts = try exposedPorts(value)
        case "availability_zone":
            r.availabilityZone = try SchemaChecks.string(field, value, minLength: 1, maxLength: 255)
        case "hints":
            r.hints = try SchemaChecks.stringMap(field, value)
        case "registry":
            r.registry = try SchemaChecks.string(field, value, nullable: false, minLength: 2, maxLength: 255, pattern: .name)
        case "host":
            r.host = try SchemaChecks.string(field, value, nullable: false, minLength: 1, maxLength: 255, pattern: .hostname)
        default:
            break
        }
    }

    /// Parameters the schema admits at every version but the controller rejects below their microversion.
    private func checkVersionGates(_ object: [String: JSONValue], _ r: CreateContainerRequest) throws {
        let gates: [(String, APIVersion, Bool)] = [
            ("auto_remove", APIVersion(1, 3), r.autoRemove != nil),
            ("runtime", APIVersion(1, 5), r.runtime != nil),
            ("hostname", APIVersion(1, 9), r.hostname != nil),
            ("mounts", APIVersion(1, 11), !(r.mounts ?? []).isEmpty),
            ("privileged", APIVersion(1, 21), r.privileged != nil),
            ("healthcheck", APIVersion(1, 22), r.healthcheck != nil),
            ("exposed_ports", APIVersion(1, 24), r.exposedPorts != nil),
            ("registry", APIVersion(1, 31), r.registry != nil),
        ]
        for (name, minimum, given) in gates where given && version < minimum {
            throw ZunError.invalidParamInVersion(name, version: version)
        }
    }

    private func restartPolicy(_ value: JSONValue) throws -> RestartPolicy? {
        let field = "restart_policy"
        switch value {
        case .null: return nil
        case .object(let object):
            if object.isEmpty { return nil }
            let extra = object.keys.filter { $0 != "Name" && $0 != "MaximumRetryCount" }.sorted()
            if !extra.isEmpty {
                throw SchemaChecks.fieldError(
                    field, value,
                    "Additional properties are not allowed (\(extra.map { "'\($0)'" }.joined(separator: ", ")) \(extra.count == 1 ? "was" : "were") unexpected)"
                )
            }
            guard let nameValue = object["Name"] else {
                throw SchemaChecks.fieldError(field, value, "'Name' is a required property")
            }
            let name = try SchemaChecks.enumValue(field, nameValue, ["no", "always", "on-failure", "unless-stopped"])!
            var count: String?
            switch object["MaximumRetryCount"] ?? .null {
            case .null: count = nil
            case .int(let i) where i > RequestBounds.retries:
                throw SchemaChecks.fieldError("\(field).MaximumRetryCount", .int(i), "\(i) is greater than the maximum of \(RequestBounds.retries)")
            case .string(let s) where Pattern.digits.matches(s) && (Int(s) ?? .max) > RequestBounds.retries:
                throw SchemaChecks.fieldError("\(field).MaximumRetryCount", .string(s), "\(s) is greater than the maximum of \(RequestBounds.retries)")
            case .int(let i) where i >= 0: count = String(i)
            case .int(let i): throw SchemaChecks.fieldError("\(field).MaximumRetryCount", .int(i), "\(i) is less than the minimum of 0")
            case .string(let s) where Pattern.digits.matches(s): count = String(Int(s) ?? 0)
            case let other:
                throw SchemaChecks.fieldError(field, value, "\(other.pythonRepr) is not valid under any of the given schemas")
            }
            return try RestartPolicy.normalized(name: name, maximumRetryCount: count)
        default:
            throw SchemaChecks.typeError(field, value, ["object", "null"])
        }
    }

    private func nets(_ value: JSONValue) throws -> [[String: String]]? {
        let field = "nets"
        switch value {
        case .null: return nil
        case .array(let items):
            return try items.map { item in
                guard case .object(let object) = item else { throw SchemaChecks.typeError(field, item, ["object"]) }
                var result: [String: String] = [:]
                for (key, v) in object {
                    guard ["network", "port", "v4-fixed-ip", "v6-fixed-ip"].contains(key) else {
                        throw SchemaChecks.fieldError(field, value, "Additional properties are not allowed ('\(key)' was unexpected)")
                    }
                    result[key] = try SchemaChecks.string(field, v, nullable: false, minLength: 1, maxLength: 255)
                }
                if (result["network"] == nil) == (result["port"] == nil) {
                    throw SchemaChecks.fieldError(field, value, "\(item.pythonRepr) is valid under each of {'required': ['network']}, {'required': ['port']} or none")
                }
                return result
            }
        default:
            throw SchemaChecks.typeError(field, value, ["array", "null"])
        }
    }

    private func healthcheck(_ value: JSONValue) throws -> Healthcheck? {
        let field = "healthcheck"
        switch value {
        case .null: return nil
        case .object(let object):
            var check = Healthcheck()
            for (key, v) in object {
                switch key {
                case "cmd", "test":
                    check.test = try SchemaChecks.string(field, v, nullable: false, minLength: 1)
                case "interval", "timeout", "retries":
                    let maximum = key == "retries" ? RequestBounds.retries : RequestBounds.healthcheckSeconds
                    let number: Int?
                    switch v {
                    case .int(let i) where i >= 0: number = i
                    case .string(let s) where Pattern.digits.matches(s): number = Int(s) ?? .max
                    default: throw SchemaChecks.fieldError("\(field).\(key)", v, "\(v.pythonRepr) is not a non-negative integer")
                    }
                    if let number, number > maximum {
                        throw SchemaChecks.fieldError("\(field).\(key)", v, "\(v.stringValue ?? v.pythonRepr) is greater than the maximum of \(maximum)")
                    }
                    if key == "interval" { check.interval = number }
                    if key == "timeout" { check.timeout = number }
                    if key == "retries" { check.retries = number }
                default:
                    throw SchemaChecks.fieldError(field, value, "Additional properties are not allowed ('\(key)' was unexpected)")
                }
            }
            return check
        default:
            throw SchemaChecks.typeError(field, value, ["object", "null"])
        }
    }

    /// Normalises keys to `<port>/<proto>`; protocols are `tcp` (default) or `udp`.
    private func exposedPorts(_ value: JSONValue) throws -> [String: [String: String]]? {
        switch value {
        case .null: return nil
        case .object(let object):
            var result: [String: [String: String]] = [:]
            for (key, v) in object {
                guard case .object = v else { throw SchemaChecks.typeError("exposed_ports", v, ["object"]) }
                let parts = key.split(separator: "/", omittingEmptySubsequences: false)
                guard parts.count <= 2, let port = Int(parts[0]), parts[0].allSatisfy(\.isNumber), (1...65535).contains(port)
                else { throw ZunError.invalidValue("Invalid input for field 'exposed_ports': invalid port \(key). Port must be an integer between 1 and 65535.") }
                let proto = parts.count == 2 ? String(parts[1]).lowercased() : "tcp"
                guard proto == "tcp" || proto == "udp" else {
                    throw ZunError.invalidValue("Invalid input for field 'exposed_ports': invalid protocol \(parts[1]). Protocol must be tcp or udp.")
                }
                result["\(port)/\(proto)"] = [:]
            }
            return result
        default:
            throw SchemaChecks.typeError("exposed_ports", value, ["object", "null"])
        }
    }
}
