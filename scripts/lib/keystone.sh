# A real Keystone for the tests, on 127.0.0.1: keystone from PyPI in its own virtualenv, a SQLite database
# (or a PostgreSQL one when given), fernet tokens, served by gunicorn. start_keystone prints nothing secret; the fixture users share one
# random password, in $dir/password (mode 0600), which the tests read through ZUN_TEST_KEYSTONE_PASSWORD.

ZUN_KEYSTONE_VERSION=30.0.0
ZUN_GUNICORN_VERSION=27.0.1
ZUN_PSYCOPG2_VERSION=2.9.10

# keystone_venv : prints the virtualenv holding keystone, creating it when missing (cached across runs).
keystone_venv() {
  local venv=${ZUN_KEYSTONE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/zun-keystone-$ZUN_KEYSTONE_VERSION}
  if ! "$venv/bin/python" -c 'import keystone, gunicorn, psycopg2' >/dev/null 2>&1; then
    log "installing keystone $ZUN_KEYSTONE_VERSION into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "keystone==$ZUN_KEYSTONE_VERSION" \
      "gunicorn==$ZUN_GUNICORN_VERSION" "psycopg2-binary==$ZUN_PSYCOPG2_VERSION" >&2
  fi
  echo "$venv"
}

# start_keystone DIR PORT [POSTGRES_PORT] : Keystone on http://127.0.0.1:PORT/v3 with the fixtures of
# scripts/lib/keystone-fixtures.py. With POSTGRES_PORT (a start_postgres cluster on 127.0.0.1, user postgres,
# trust auth), its database is a new `keystone` database there: under the test suite's parallel load, four
# gunicorn workers on one SQLite file still answered an occasional 500 "database is locked", even with WAL and a
# 30 s busy timeout.
start_keystone() {
  local dir=$1 port=$2 postgres_port=${3:-} venv connection
  venv=$(keystone_venv)
  mkdir -p "$dir/fernet-keys" "$dir/credential-keys"
  chmod 700 "$dir"
  # Locks are waited for up to 30 s rather than failing a request with a 500 (the tests run in parallel).
  connection="sqlite:///$dir/keystone.db?timeout=30"
  if [ -n "$postgres_port" ]; then
    "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/createdb" -h 127.0.0.1 -p "$postgres_port" -U postgres keystone \
      || die "could not create keystone's database on 127.0.0.1:$postgres_port"
    connection="postgresql+psycopg2://postgres@127.0.0.1:$postgres_port/keystone"
  fi
  (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(24))' >"$dir/password")
  cat >"$dir/keystone.conf" <<CONF
[DEFAULT]
log_file = $dir/keystone.log
[database]
connection = $connection
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = $dir/fernet-keys
[fernet_receipts]
key_repository = $dir/fernet-keys
[credential]
key_repository = $dir/credential-keys
CONF
  log "starting keystone on 127.0.0.1:$port"
  local manage=("$venv/bin/keystone-manage" --config-file "$dir/keystone.conf")
  {
    "${manage[@]}" db_sync
    # WAL: keystone's readers (token validation) no longer wait for its writers (token issue, bootstrap).
    [ -n "$postgres_port" ] || python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode=WAL")' "$dir/keystone.db"
    "${manage[@]}" fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
    "${manage[@]}" credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
    OS_BOOTSTRAP_PASSWORD=$(cat "$dir/password") "${manage[@]}" bootstrap \
      --bootstrap-admin-url "http://127.0.0.1:$port/v3" --bootstrap-public-url "http://127.0.0.1:$port/v3" \
      --bootstrap-internal-url "http://127.0.0.1:$port/v3" --bootstrap-region-id RegionOne
  } >"$dir/manage.log" 2>&1 || { tail -20 "$dir/manage.log" >&2; die "keystone-manage failed; see $dir/manage.log"; }
  # keystone's WSGI entry parses sys.argv with oslo.config, so it gets a module of its own that hides
  # gunicorn's arguments from it.
  printf 'import sys\nsys.argv = sys.argv[:1]\nfrom keystone.server import wsgi\napplication = wsgi.initialize_public_application()\n' >"$dir/keystone_wsgi.py"
  OS_KEYSTONE_CONFIG_FILES="$dir/keystone.conf" "$venv/bin/gunicorn" --bind "127.0.0.1:$port" --workers 4 \
    --pythonpath "$dir" --pid "$dir/gunicorn.pid" keystone_wsgi:application >"$dir/gunicorn.log" 2>&1 &
  for _ in $(seq 1 120); do
    curl -sf --max-time 2 "http://127.0.0.1:$port/v3" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -sf --max-time 2 "http://127.0.0.1:$port/v3" >/dev/null 2>&1 || { tail -20 "$dir/gunicorn.log" >&2; die "keystone did not come up; see $dir/gunicorn.log"; }
  ZUN_KEYSTONE_PASSWORD=$(cat "$dir/password") "$venv/bin/python" scripts/lib/keystone-fixtures.py "http://127.0.0.1:$port/v3" \
    || die "creating keystone's test projects and users failed"
}

# stop_keystone DIR
stop_keystone() {
  local dir=$1
  [ -f "$dir/gunicorn.pid" ] && kill "$(cat "$dir/gunicorn.pid")" 2>/dev/null || true
}
