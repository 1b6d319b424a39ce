/// One statement of a migration step: for both dialects (written as SQLite's DDL, translated for PostgreSQL), or
/// for one dialect only, where their syntax parts ways (triggers).
struct MigrationStatement: ExpressibleByStringLiteral {
    var text: String
    var only: StoreDialect?

    init(stringLiteral text: String) {
        self.text = text
        self.only = nil
    }

    init(_ dialect: StoreDialect, _ text: String) {
        self.text = text
        self.only = dialect
    }

    static func sqlite(_ text: String) -> MigrationStatement { MigrationStatement(.sqlite, text) }
    static func postgres(_ text: String) -> MigrationStatement { MigrationStatement(.postgres, text) }
}

/// Versioned schema of the store, written once for both dialects. Append a step to change it; never edit
/// a released one.
enum Migrations {
    /// The statements of every step for `dialect`.
    static func steps(for dialect: StoreDialect) -> [[String]] {
        steps.map { step in
            step.compactMap { statement in
                guard statement.only == nil || statement.only == dialect else { return nil }
                return statement.only == nil ? dialect.translateDDL(statement.text) : statement.text
            }
        }
    }

    private static let steps: [[MigrationStatement]] = [
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
        // 10: each project's usage, kept by triggers on the rows it counts, so that a quota check reads one row
        // instead of summing every container of the project (docs/architecture.md, "Quotas"). cpu is kept in
        // thousandths (Zun compares it at 3 decimals), so that adding and removing never drifts.
        projectUsage,
        // 11: whether the host that realized a network has an overlay of it: only those are woken by its port
        // changes (hollow hosts and `zun dev` have none). Rows made before are taken to have one.
        [
            "ALTER TABLE network_host ADD COLUMN overlay INTEGER NOT NULL DEFAULT 1",
            // The wake-up's read: the overlay hosts of a network, without visiting the thousands without one.
            "CREATE INDEX network_host_overlay ON network_host(network_uuid, overlay, host)",
        ],
        // 12: when a service record last changed other than by a heartbeat (created, enabled, disabled, forced
        // down, moved zone or endpoint): the API's host cache reads those rows, and each host's liveness apart,
        // since 5,000 hosts heartbeating every 3 s change `updated_at` of every row every few seconds.
        [
            "ALTER TABLE zun_service ADD COLUMN changed_at REAL NOT NULL DEFAULT 0",
            "UPDATE zun_service SET changed_at = COALESCE(updated_at, created_at, 0)",
            "CREATE INDEX zun_service_changed ON zun_service(changed_at)",
        ],
        // 13: PostgreSQL keeps a project's usage in shards, one per connection slot, summed when read, so that
        // creates of one project committing on different connections do not queue for one row lock
        // (docs/architecture.md, "Quotas").
        projectUsageShards,
        // 14: a heartbeat rewrites its service's row every few seconds. `updated_at`'s index (migration 4) has
        // had no reader since migration 12, and while it stood no such update could be HOT on PostgreSQL: each
        // wrote a new entry in every index of the table (50,000 heartbeats, 0 HOT updates in `zun-bench e2e`).
        // The free room a page keeps (fillfactor) lets the new version of a row stay on its page.
        [
            "DROP INDEX IF EXISTS zun_service_updated",
            .postgres("ALTER TABLE zun_service SET (fillfactor = 50)"),
        ],
        // 15: a host's tasks are found through an index of its unfinished ones only, keyed by (host, id). The old
        // key held the state, so each task's entry moved twice (claimed, finished), each time on the page of a
        // random host: three page writes per task, now two (an insert and, when it finishes, a delete). Queries
        // that use it say `state IN ('pending', 'running')`, the index's own condition, so both databases see it
        // applies.
        [
            "DROP INDEX IF EXISTS task_host_state",
            "CREATE INDEX task_host_unfinished ON task(host, id) WHERE state IN ('pending', 'running')",
        ],
    ]

    /// The `project_usage` table, its triggers and its backfill. SQLite's triggers run at once (its one writer
    /// serialises everything); PostgreSQL's are deferred to the commit, so that the usage row is locked only while
    /// a transaction commits, not from a container's insert on.
    private static let projectUsage: [MigrationStatement] = {
        let counted: [(table: String, column: String)] = [("network", "networks"), ("volume", "volumes"), ("port", "ports")]
        var statements: [MigrationStatement] = [
            """
            CREATE TABLE project_usage (
                project_id TEXT PRIMARY KEY,
                containers INTEGER NOT NULL DEFAULT 0,
                cpu_milli INTEGER NOT NULL DEFAULT 0,
                memory INTEGER NOT NULL DEFAULT 0,
                disk INTEGER NOT NULL DEFAULT 0,
                networks INTEGER NOT NULL DEFAULT 0,
                volumes INTEGER NOT NULL DEFAULT 0,
                ports INTEGER NOT NULL DEFAULT 0
            )
            """,
            """
            INSERT INTO project_usage (project_id, containers, cpu_milli, memory, disk)
            SELECT project_id, COUNT(*), SUM(CAST(ROUND(COALESCE(cpu, 0) * 1000) AS INTEGER)),
                   SUM(COALESCE(CAST(memory AS INTEGER), 0)), SUM(COALESCE(disk, 0))
            FROM container GROUP BY project_id
            """,
        ]
        for (table, column) in counted {
            statements.append(MigrationStatement(stringLiteral: """
                INSERT INTO project_usage (project_id) SELECT DISTINCT project_id FROM \(table)
                WHERE project_id NOT IN (SELECT project_id FROM project_usage)
                """))
            statements.append(MigrationStatement(stringLiteral: """
                UPDATE project_usage SET \(column) = (SELECT COUNT(*) FROM \(table) WHERE \(table).project_id = project_usage.project_id)
                """))
        }
        // A container's share: its count, cpu, memory and disk, added (sign 1) or taken away (-1).
        func containerShare(_ row: String, _ sign: String) -> String {
            """
            containers = containers + \(sign) * 1, cpu_milli = cpu_milli + \(sign) * CAST(ROUND(COALESCE(\(row).cpu, 0) * 1000) AS INTEGER),
            memory = memory + \(sign) * COALESCE(CAST(\(row).memory AS INTEGER), 0), disk = disk + \(sign) * COALESCE(\(row).disk, 0)
            """
        }
        // Only a change of what is counted touches the usage row: status updates rewrite every column.
        let changed = "OLD.project_id <> NEW.project_id OR OLD.cpu IS NOT NEW.cpu OR OLD.memory IS NOT NEW.memory OR OLD.disk IS NOT NEW.disk"

        // SQLite: plain triggers.
        statements.append(.sqlite("""
            CREATE TRIGGER project_usage_container_insert AFTER INSERT ON container BEGIN
                INSERT OR IGNORE INTO project_usage (project_id) VALUES (NEW.project_id);
                UPDATE project_usage SET \(containerShare("NEW", "1")) WHERE project_id = NEW.project_id;
            END
            """))
        statements.append(.sqlite("""
            CREATE TRIGGER project_usage_container_delete AFTER DELETE ON container BEGIN
                UPDATE project_usage SET \(containerShare("OLD", "-1")) WHERE project_id = OLD.project_id;
            END
            """))
        statements.append(.sqlite("""
            CREATE TRIGGER project_usage_container_update AFTER UPDATE ON container WHEN \(changed) BEGIN
                UPDATE project_usage SET \(containerShare("OLD", "-1")) WHERE project_id = OLD.project_id;
                INSERT OR IGNORE INTO project_usage (project_id) VALUES (NEW.project_id);
                UPDATE project_usage SET \(containerShare("NEW", "1")) WHERE project_id = NEW.project_id;
            END
            """))
        for (table, column) in counted {
            statements.append(.sqlite("""
                CREATE TRIGGER project_usage_\(table)_insert AFTER INSERT ON \(table) BEGIN
                    INSERT OR IGNORE INTO project_usage (project_id) VALUES (NEW.project_id);
                    UPDATE project_usage SET \(column) = \(column) + 1 WHERE project_id = NEW.project_id;
                END
                """))
            statements.append(.sqlite("""
                CREATE TRIGGER project_usage_\(table)_delete AFTER DELETE ON \(table) BEGIN
                    UPDATE project_usage SET \(column) = \(column) - 1 WHERE project_id = OLD.project_id;
                END
                """))
        }

        // PostgreSQL: one function per counted table, run by constraint triggers deferred to the commit.
        statements.append(.postgres("""
            CREATE FUNCTION zun_project_usage_container() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    UPDATE project_usage SET \(containerShare("OLD", "-1")) WHERE project_id = OLD.project_id;
                END IF;
                IF TG_OP IN ('UPDATE', 'INSERT') THEN
                    INSERT INTO project_usage (project_id) VALUES (NEW.project_id) ON CONFLICT (project_id) DO NOTHING;
                    UPDATE project_usage SET \(containerShare("NEW", "1")) WHERE project_id = NEW.project_id;
                END IF;
                RETURN NULL;
            END
            $$
            """))
        statements.append(.postgres("""
            CREATE CONSTRAINT TRIGGER project_usage_container_insert_delete AFTER INSERT OR DELETE ON container
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zun_project_usage_container()
            """))
        statements.append(.postgres("""
            CREATE CONSTRAINT TRIGGER project_usage_container_update AFTER UPDATE ON container
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
            WHEN (\(changed.replacingOccurrences(of: " IS NOT ", with: " IS DISTINCT FROM ")))
            EXECUTE FUNCTION zun_project_usage_container()
            """))
        for (table, column) in counted {
            statements.append(.postgres("""
                CREATE FUNCTION zun_project_usage_\(table)() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        UPDATE project_usage SET \(column) = \(column) - 1 WHERE project_id = OLD.project_id;
                    ELSE
                        INSERT INTO project_usage (project_id) VALUES (NEW.project_id) ON CONFLICT (project_id) DO NOTHING;
                        UPDATE project_usage SET \(column) = \(column) + 1 WHERE project_id = NEW.project_id;
                    END IF;
                    RETURN NULL;
                END
                $$
                """))
            statements.append(.postgres("""
                CREATE CONSTRAINT TRIGGER project_usage_\(table) AFTER INSERT OR DELETE ON \(table)
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zun_project_usage_\(table)()
                """))
        }
        return statements
    }()

    /// Migration 13 (PostgreSQL only; SQLite's single writer never waits for the row). The deferred usage triggers
    /// run at the commit, and each held the project's one row from its update until the commit's WAL flush: with
    /// one project creating from every connection, every commit of the project waited for the one before
    /// (3.2 ms per create on average in `zun-bench fleet`). Now a trigger adds its change to the row of its
    /// project and its connection's slot (`pg_backend_pid()`, so one transaction always touches the same
    /// slot), in one upsert; a shard may go below zero, the sum is the usage. Strict quota checks are unchanged:
    /// they hold the project's advisory lock until their commit, so each reads every committed shard.
    private static let projectUsageShards: [MigrationStatement] = {
        let shard = "pg_backend_pid() % \(usageShards)"
        func upsert(_ row: String, sign: String, counted: [(column: String, value: String)]) -> String {
            let columns = counted.map(\.column)
            return """
                INSERT INTO project_usage (project_id, shard, \(columns.joined(separator: ", ")))
                VALUES (\(row).project_id, \(shard), \(counted.map { "\(sign) * \($0.value)" }.joined(separator: ", ")))
                ON CONFLICT (project_id, shard) DO UPDATE SET
                    \(columns.map { "\($0) = project_usage.\($0) + excluded.\($0)" }.joined(separator: ", "))
                """
        }
        func containerShare(_ row: String) -> [(column: String, value: String)] {
            [("containers", "1"), ("cpu_milli", "CAST(ROUND(COALESCE(\(row).cpu, 0) * 1000) AS INTEGER)"),
             ("memory", "COALESCE(CAST(\(row).memory AS INTEGER), 0)"), ("disk", "COALESCE(\(row).disk, 0)")]
        }
        var statements: [MigrationStatement] = [
            .postgres("ALTER TABLE project_usage ADD COLUMN shard INTEGER NOT NULL DEFAULT 0"),
            .postgres("ALTER TABLE project_usage DROP CONSTRAINT project_usage_pkey"),
            .postgres("ALTER TABLE project_usage ADD PRIMARY KEY (project_id, shard)"),
            .postgres("""
                CREATE OR REPLACE FUNCTION zun_project_usage_container() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        \(upsert("OLD", sign: "-1", counted: containerShare("OLD")));
                    END IF;
                    IF TG_OP IN ('UPDATE', 'INSERT') THEN
                        \(upsert("NEW", sign: "1", counted: containerShare("NEW")));
                    END IF;
                    RETURN NULL;
                END
                $$
                """),
        ]
        for (table, column) in [("network", "networks"), ("volume", "volumes"), ("port", "ports")] {
            statements.append(.postgres("""
                CREATE OR REPLACE FUNCTION zun_project_usage_\(table)() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        \(upsert("OLD", sign: "-1", counted: [(column, "1")]));
                    ELSE
                        \(upsert("NEW", sign: "1", counted: [(column, "1")]));
                    END IF;
                    RETURN NULL;
                END
                $$
                """))
        }
        return statements
    }()

    /// Usage shards per project on PostgreSQL (migration 13): more than a replica's pooled connections, so
    /// that few of them share a slot.
    static let usageShards = 32
}
