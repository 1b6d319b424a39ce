/// Versioned schema of the store, written once for both dialects. Append a step to change it; never edit
/// a released one.
enum Migrations {
    /// The statements of every step for `dialect`.
    static func steps(for dialect: StoreDialect) -> [[String]] {
        steps.map { step in step.map { dialect.translateDDL($0) } }
    }

    private static let steps: [[String]] = [
        // 1: the foundation tables.
        [
            """
            CREATE TABLE container (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                uuid TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                project_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                image TEXT NOT NULL,
                status TEXT NOT NULL,
                task_state TEXT,
                host TEXT,
                memory TEXT,
                cpu REAL,
                disk INTEGER,
                auto_remove INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                updated_at REAL,
                data TEXT NOT NULL
            )
            """,
            "CREATE INDEX container_name ON container(name)",
            "CREATE INDEX container_host ON container(host)",
            "CREATE INDEX container_project ON container(project_id)",
            """
            CREATE TABLE container_actions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                container_uuid TEXT NOT NULL,
                action TEXT NOT NULL,
                request_id TEXT NOT NULL,
                user_id TEXT,
                project_id TEXT,
                start_time REAL NOT NULL,
                finish_time REAL,
                message TEXT
            )
            """,
            "CREATE INDEX container_actions_uuid ON container_actions(container_uuid, request_id)",
            """
            CREATE TABLE container_actions_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                action_id INTEGER NOT NULL REFERENCES container_actions(id),
                event TEXT NOT NULL,
                start_time REAL NOT NULL,
                finish_time REAL,
                result TEXT,
                traceback TEXT
            )
            """,
            "CREATE INDEX container_actions_events_action ON container_actions_events(action_id)",
            """
            CREATE TABLE compute_node (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                uuid TEXT NOT NULL UNIQUE,
                hostname TEXT NOT NULL UNIQUE,
                data TEXT NOT NULL,
                updated_at REAL
            )
            """,
            """
            CREATE TABLE zun_service (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                host TEXT NOT NULL,
                "binary" TEXT NOT NULL,
                disabled INTEGER NOT NULL DEFAULT 0,
                disabled_reason TEXT,
                forced_down INTEGER NOT NULL DEFAULT 0,
                report_count INTEGER NOT NULL DEFAULT 0,
                last_seen_up REAL,
                availability_zone TEXT,
                created_at REAL NOT NULL,
                updated_at REAL,
                UNIQUE(host, "binary")
            )
            """,
            """
            CREATE TABLE task (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                host TEXT NOT NULL,
                container_uuid TEXT NOT NULL,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                lease_owner TEXT,
                lease_until REAL,
                created_at REAL NOT NULL,
                finished_at REAL,
                error TEXT
            )
            """,
            "CREATE INDEX task_host_state ON task(host, state, id)",
            "CREATE INDEX task_container ON task(container_uuid, state)",
        ],
        // 2: the agent's node-local endpoint on its service record.
        [
            "ALTER TABLE zun_service ADD COLUMN endpoint TEXT",
        ],
        // 3: tokens of interactive sessions (attach, interactive exec), Zun's websocket_token.
        [
            """
            CREATE TABLE console_session (
                token TEXT PRIMARY KEY,
                container_uuid TEXT NOT NULL,
                exec_id TEXT,
                expires_at REAL NOT NULL
            )
            """,
        ],
        // 4: incremental host-state refreshes read recently changed nodes and services.
        [
            "CREATE INDEX compute_node_updated ON compute_node(updated_at)",
            "CREATE INDEX zun_service_updated ON zun_service(updated_at)",
        ],
        // 5: networks, their ports and where they are realized; volumes and their mappings.
        [
            """
            CREATE TABLE network (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                uuid TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                project_id TEXT NOT NULL,
                shared INTEGER NOT NULL DEFAULT 0,
                cidr_v4 TEXT UNIQUE,
                created_at REAL NOT NULL,
                data TEXT NOT NULL,
                UNIQUE(project_id, name)
            )
            """,
            """
            CREATE TABLE network_host (
                network_uuid TEXT NOT NULL,
                host TEXT NOT NULL,
                docker_id TEXT NOT NULL,
                created_at REAL NOT NULL,
                PRIMARY KEY (network_uuid, host)
            )
            """,
            """
            CREATE TABLE port (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                uuid TEXT NOT NULL UNIQUE,
                name TEXT,
                network_uuid TEXT NOT NULL,
                project_id TEXT NOT NULL,
                container_uuid TEXT,
                ipv4 TEXT,
                ipv6 TEXT,
                preserve_on_delete INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                UNIQUE(network_uuid, ipv4)
            )
            """,
            "CREATE INDEX port_container ON port(container_uuid)",
            "CREATE INDEX port_network ON port(network_uuid, id)",
            """
            CREATE TABLE volume (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                uuid TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                project_id TEXT NOT NULL,
                auto_remove INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                data TEXT NOT NULL
            )
            """,
            "CREATE INDEX volume_name ON volume(name)",
            """
            CREATE TABLE volume_mapping (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                volume_uuid TEXT NOT NULL,
                container_uuid TEXT NOT NULL,
                container_path TEXT NOT NULL,
                created_at REAL NOT NULL
            )
            """,
            "CREATE INDEX volume_mapping_volume ON volume_mapping(volume_uuid)",
            "CREATE INDEX volume_mapping_container ON volume_mapping(container_uuid)",
        ],
        // 6: how often a task was running when its agent died (the crash-loop breaker, docs/limits.md).
        [
            "ALTER TABLE task ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0",
        ],
        // 7: quotas: per-project limits and quota classes (the class `default` supplies project defaults).
        [
            """
            CREATE TABLE quota (
                project_id TEXT NOT NULL,
                resource TEXT NOT NULL,
                hard_limit INTEGER NOT NULL,
                PRIMARY KEY (project_id, resource)
            )
            """,
            """
            CREATE TABLE quota_class (
                class_name TEXT NOT NULL,
                resource TEXT NOT NULL,
                hard_limit INTEGER NOT NULL,
                PRIMARY KEY (class_name, resource)
            )
            """,
        ],
        // 8: per-node credentials and bootstrap tokens, as SHA-256 digests (docs/node-protocol.md).
        [
            """
            CREATE TABLE node_credential (
                digest TEXT PRIMARY KEY,
                host TEXT NOT NULL,
                kind TEXT NOT NULL,
                created_at REAL NOT NULL,
                expires_at REAL
            )
            """,
            "CREATE INDEX node_credential_host ON node_credential(host)",
        ],
        // 9: overlay networks: each network's VNI (its row id, so unique; networks made before get theirs here).
        [
            "ALTER TABLE network ADD COLUMN vni INTEGER",
            "UPDATE network SET vni = id",
            "CREATE UNIQUE INDEX network_vni ON network(vni)",
        ],
    ]
}
