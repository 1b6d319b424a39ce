/// A policy rule by name, with the check it has when no policy override changes it (docs/policy.md lists
/// them all; the names and defaults are upstream Zun's, see its policy reference).
///
/// Rules form a closed set: the constants below plus one per container operation (`ContainerOperations`).
/// Code names a rule through a constant, so a misspelt rule does not compile, and the policy engine denies
/// any rule it does not know (it fails closed).
public struct PolicyRule: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let defaultCheck: PolicyCheck

    init(_ name: String, _ defaultCheck: PolicyCheck) {
        self.name = name
        self.defaultCheck = defaultCheck
    }

    public var description: String { name }

    static func container(_ name: String, _ check: PolicyCheck = .adminOrOwner) -> PolicyRule {
        PolicyRule("container:\(name)", check)
    }
}

/// The check strings of Zun's default rules.
public enum PolicyCheck: String, Sendable, CaseIterable {
    /// `is_admin:True or project_id:%(project_id)s`
    case adminOrOwner = "rule:admin_or_owner"
    /// `rule:context_is_admin`
    case adminAPI = "rule:admin_api"
    /// `role:admin`
    case roleAdmin = "role:admin"
    /// `!` (nobody)
    case denyAll = "!"
    /// `@` (anyone)
    case allowAll = "@"
}

extension PolicyRule {
    // MARK: Containers (beyond the operations' own rules)

    public static let containerGetAll = container("get_all")
    public static let containerGetOne = container("get_one")
    public static let containerGetAllAllProjects = container("get_all_all_projects", .adminAPI)
    public static let containerGetOneAllProjects = container("get_one_all_projects", .adminAPI)
    public static let containerDeleteAllProjects = container("delete_all_projects", .adminAPI)
    public static let containerCreateRuntime = container("create:runtime", .adminAPI)
    public static let containerCreateRequestedDestination = container("create:requested_destination", .adminAPI)
    public static let containerCreateImagePullPolicy = container("create:image_pull_policy", .adminAPI)
    public static let containerCreatePrivileged = container("create:privileged", .denyAll)
    public static let containerGetOneHost = container("get_one:host", .adminAPI)
    public static let containerGetOneImagePullPolicy = container("get_one:image_pull_policy", .adminAPI)
    public static let containerGetOnePrivileged = container("get_one:privileged", .adminAPI)
    public static let containerGetOneRuntime = container("get_one:runtime", .adminAPI)
    public static let containerActionEvents = container("action:events", .adminAPI)

    /// The rule guarding a container field a list may filter on, when it has one (Zun checks
    /// `container:get_one:<field>` for each filter and skips rules that do not exist).
    public static func containerField(_ field: String) -> PolicyRule? {
        switch field {
        case "host": containerGetOneHost
        case "image_pull_policy": containerGetOneImagePullPolicy
        case "privileged": containerGetOnePrivileged
        case "runtime": containerGetOneRuntime
        default: nil
        }
    }

    // MARK: Networks, ports, volumes

    public static let networkCreate = PolicyRule("network:create", .roleAdmin)
    public static let networkDelete = PolicyRule("network:delete", .roleAdmin)
    public static let networkAttachExternal = PolicyRule("network:attach_external_network", .roleAdmin)
    public static let networkGet = PolicyRule("network:get", .adminOrOwner)
    public static let networkGetAll = PolicyRule("network:get_all", .adminOrOwner)
    public static let networkGetAllAllProjects = PolicyRule("network:get_all_all_projects", .adminAPI)

    public static let portCreate = PolicyRule("port:create", .adminOrOwner)
    public static let portDelete = PolicyRule("port:delete", .adminOrOwner)
    public static let portGet = PolicyRule("port:get", .adminOrOwner)
    public static let portGetAll = PolicyRule("port:get_all", .adminOrOwner)
    public static let portGetAllAllProjects = PolicyRule("port:get_all_all_projects", .adminAPI)

    public static let volumeCreate = PolicyRule("volume:create", .adminOrOwner)
    public static let volumeDelete = PolicyRule("volume:delete", .adminOrOwner)
    public static let volumeGet = PolicyRule("volume:get", .adminOrOwner)
    public static let volumeGetAll = PolicyRule("volume:get_all", .adminOrOwner)
    public static let volumeGetAllAllProjects = PolicyRule("volume:get_all_all_projects", .adminAPI)

    // MARK: Quotas

    public static let quotaUpdate = PolicyRule("quota:update", .adminAPI)
    public static let quotaDelete = PolicyRule("quota:delete", .adminAPI)
    public static let quotaGet = PolicyRule("quota:get", .adminOrOwner)
    public static let quotaGetDefault = PolicyRule("quota:get_default", .adminOrOwner)
    public static let quotaClassUpdate = PolicyRule("quota_class:update", .adminAPI)
    public static let quotaClassGet = PolicyRule("quota_class:get", .adminAPI)

    // MARK: Hosts and services

    public static let hostGetAll = PolicyRule("host:get_all", .adminAPI)
    public static let hostGet = PolicyRule("host:get", .adminAPI)
    public static let serviceGetAll = PolicyRule("zun-service:get_all", .adminAPI)
    public static let serviceDelete = PolicyRule("zun-service:delete", .adminAPI)
    public static let serviceDisable = PolicyRule("zun-service:disable", .adminAPI)
    public static let serviceEnable = PolicyRule("zun-service:enable", .adminAPI)
    public static let serviceForceDown = PolicyRule("zun-service:force_down", .adminAPI)

    /// Every rule the service knows: the constants above and each container operation's rule.
    // MARK: Images, capsules, registries, availability zones
    // Zun's defaults, in force for any policy file that names them; their endpoints arrive with their issues.

    public static let imagePull = PolicyRule("image:pull", .adminAPI)
    public static let imageGetAll = PolicyRule("image:get_all", .adminAPI)
    public static let imageGetOne = PolicyRule("image:get_one", .adminAPI)
    public static let imageSearch = PolicyRule("image:search", .adminOrOwner)
    public static let imageDelete = PolicyRule("image:delete", .adminAPI)

    public static let capsuleCreate = PolicyRule("capsule:create", .adminOrOwner)
    public static let capsuleDelete = PolicyRule("capsule:delete", .adminOrOwner)
    public static let capsuleDeleteAllProjects = PolicyRule("capsule:delete_all_projects", .adminAPI)
    public static let capsuleGet = PolicyRule("capsule:get", .adminOrOwner)
    public static let capsuleGetOneAllProjects = PolicyRule("capsule:get_one_all_projects", .adminAPI)
    public static let capsuleGetAll = PolicyRule("capsule:get_all", .adminOrOwner)
    public static let capsuleGetAllAllProjects = PolicyRule("capsule:get_all_all_projects", .adminAPI)

    public static let registryCreate = PolicyRule("registry:create", .adminOrOwner)
    public static let registryDelete = PolicyRule("registry:delete", .adminOrOwner)
    public static let registryGetOne = PolicyRule("registry:get_one", .adminOrOwner)
    public static let registryGetAll = PolicyRule("registry:get_all", .adminOrOwner)
    public static let registryGetAllAllProjects = PolicyRule("registry:get_all_all_projects", .adminAPI)
    public static let registryUpdate = PolicyRule("registry:update", .adminOrOwner)

    public static let availabilityZonesGetAll = PolicyRule("availability_zones:get_all", .adminOrOwner)

    public static let all: [PolicyRule] = {
        let fixed: [PolicyRule] = [
            containerGetAll, containerGetOne, containerGetAllAllProjects, containerGetOneAllProjects,
            containerDeleteAllProjects, containerCreateRuntime, containerCreateRequestedDestination,
            containerCreateImagePullPolicy, containerCreatePrivileged, containerGetOneHost,
            containerGetOneImagePullPolicy, containerGetOnePrivileged, containerGetOneRuntime, containerActionEvents,
            networkCreate, networkDelete, networkAttachExternal, networkGet, networkGetAll, networkGetAllAllProjects,
            portCreate, portDelete, portGet, portGetAll, portGetAllAllProjects,
            volumeCreate, volumeDelete, volumeGet, volumeGetAll, volumeGetAllAllProjects,
            quotaUpdate, quotaDelete, quotaGet, quotaGetDefault, quotaClassUpdate, quotaClassGet,
            hostGetAll, hostGet, serviceGetAll, serviceDelete, serviceDisable, serviceEnable, serviceForceDown,
            imagePull, imageGetAll, imageGetOne, imageSearch, imageDelete,
            capsuleCreate, capsuleDelete, capsuleDeleteAllProjects, capsuleGet, capsuleGetOneAllProjects, capsuleGetAll,
            capsuleGetAllAllProjects,
            registryCreate, registryDelete, registryGetOne, registryGetAll, registryGetAllAllProjects, registryUpdate,
            availabilityZonesGetAll,
        ]
        var seen = Set<String>()
        return (fixed + ContainerOperations.all.map(\.policy)).filter { seen.insert($0.name).inserted }
    }()

    /// The rule of this name, if the service has one.
    public static func named(_ name: String) -> PolicyRule? { byName[name] }

    private static let byName: [String: PolicyRule] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
}
