# Shared helpers of scripts/dev and scripts/test: install what is missing, start a private dockerd,
# a registry on 127.0.0.1 and a small busybox image built from Debian's busybox-static.
# Everything listens on loopback or a private unix socket; nothing touches the system's Docker.

# free_port : prints a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ensure_packages PKG... : apt-get install the Debian packages whose commands are missing.
ensure_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  [ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q static || missing+=(busybox-static)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v file >/dev/null || missing+=(file)
  command -v curl >/dev/null || missing+=(curl)
  [ -n "${ZUN_NEED_POSTGRES:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing ${missing[*]}; run as root or install them with apt-get"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# engine_answers SOCKET : true when a Docker engine answers on the unix socket.
engine_answers() {
  curl -sf --max-time 3 --unix-socket "$1" http://docker/_ping >/dev/null 2>&1
}

# start_dockerd DIR BRIDGE [CIDR] : a private dockerd with socket DIR/docker.sock, data and exec roots in DIR,
# on its own bridge (so it never fights another engine over docker0). BRIDGE `none` gives an engine without
# container networking or iptables rules, which can run beside another one (the cluster tests' second host).
start_dockerd() {
  local dir=$1 bridge=$2 cidr=${3:-}
  local network=(--bridge "$bridge" --ip 127.0.0.1)
  mkdir -p "$dir"
  if [ "$bridge" = none ]; then
    network=(--bridge=none --iptables=false)
  else
    if ! ip link show "$bridge" >/dev/null 2>&1; then
      ip link add "$bridge" type bridge
      ip addr add "$cidr" dev "$bridge"
    fi
    ip link set "$bridge" up
  fi
  log "starting dockerd on unix://$dir/docker.sock"
  dockerd --host "unix://$dir/docker.sock" --data-root "$dir/data" --exec-root "$dir/exec" \
    --pidfile "$dir/docker.pid" "${network[@]}" >"$dir/dockerd.log" 2>&1 &
  echo $! >"$dir/dockerd.launcher.pid"
  for _ in $(seq 1 60); do
    engine_answers "$dir/docker.sock" && return 0
    sleep 0.5
  done
  tail -20 "$dir/dockerd.log" >&2
  die "dockerd did not come up; see $dir/dockerd.log"
}

# stop_dockerd DIR
stop_dockerd() {
  local dir=$1
  [ -f "$dir/docker.pid" ] && kill "$(cat "$dir/docker.pid")" 2>/dev/null || true
  for _ in $(seq 1 40); do [ -S "$dir/docker.sock" ] && engine_answers "$dir/docker.sock" || break; sleep 0.25; done
}

# import_busybox SOCKET : imports busybox:1.35 and busybox:latest built from the host's static busybox.
import_busybox() {
  local sock=$1 root
  if DOCKER_HOST="unix://$sock" docker image inspect busybox:1.35 >/dev/null 2>&1; then return 0; fi
  log "importing busybox (from busybox-static)"
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  tar -C "$root" -cf "$root.tar" .
  DOCKER_HOST="unix://$sock" docker import -c 'CMD ["sh"]' -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    "$root.tar" busybox:1.35 >/dev/null
  DOCKER_HOST="unix://$sock" docker tag busybox:1.35 busybox:latest
  rm -rf "$root" "$root.tar"
}

# start_registry DIR PORT : a Docker registry bound to 127.0.0.1:PORT, storage in DIR.
start_registry() {
  local dir=$1 port=$2
  mkdir -p "$dir/storage"
  cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
  log "starting registry on 127.0.0.1:$port"
  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  echo $! >"$dir/registry.pid"
  for _ in $(seq 1 40); do
    curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && return 0
    sleep 0.25
  done
  die "registry did not come up; see $dir/registry.log"
}

# start_postgres DIR PORT : a throwaway PostgreSQL cluster in DIR on 127.0.0.1:PORT with database `zun`
# (user postgres, trust auth). PostgreSQL refuses to run as root, so it runs as the `postgres` user.
# max_connections 300: the parallel tests' pools, and the tests' Keystone (scripts/lib/keystone.sh) beside them.
start_postgres() {
  local dir=$1 port=$2 bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  mkdir -p "$dir"
  local as=()
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; as=(runuser -u postgres --); fi
  log "starting PostgreSQL on 127.0.0.1:$port"
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \
    -o "-h 127.0.0.1 -p $port -k $dir -c fsync=on -c max_connections=300" start >/dev/null \
    || { tail -20 "$dir/postgres.log" >&2; die "PostgreSQL did not start"; }
  "${as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres zun
}

# stop_postgres DIR
stop_postgres() {
  local dir=$1 bin as=()
  [ -d "$dir/data" ] || return 0
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
}

# quiet_build LOG COMMAND... : runs a build with its whole output in LOG and one progress line on the
# terminal; on failure prints the errors and where the log is.
quiet_build() {
  local build_log=$1 pid status=0 line
  shift
  "$@" >"$build_log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    line=$(grep -a -o '^\[[0-9]*/[0-9]*\] .*' "$build_log" 2>/dev/null | tail -1 | cut -c1-100 || true)
    [ -t 2 ] && [ -n "$line" ] && printf '\r\033[K   %s' "$line" >&2
    sleep 1
  done
  wait "$pid" || status=$?
  [ -t 2 ] && printf '\r\033[K' >&2
  if [ "$status" -ne 0 ]; then
    grep -a 'error:' "$build_log" | head -20 >&2 || true
    die "build failed; the whole output is in $build_log"
  fi
}

# bridge_names SOCKET : the Linux bridges of the engine's bridge networks (br-<id> unless named).
bridge_names() {
  local sock=$1 id name
  for id in $(DOCKER_HOST="unix://$sock" docker network ls --filter driver=bridge -q 2>/dev/null); do
    name=$(DOCKER_HOST="unix://$sock" docker network inspect -f '{{index .Options "com.docker.network.bridge.name"}}' "$id" 2>/dev/null || true)
    echo "${name:-br-${id:0:12}}"
  done
}

# stop_private_engine DIR BRIDGE : stops the private dockerd in DIR and removes the bridges it leaves
# behind (its networks' and BRIDGE), so several runs on one machine do not pile up bridges with the same
# subnets. The engine recreates them from its data root when it starts again.
stop_private_engine() {
  local dir=$1 bridge=$2 bridges=() name
  if engine_answers "$dir/docker.sock"; then mapfile -t bridges < <(bridge_names "$dir/docker.sock"); fi
  stop_dockerd "$dir"
  for _ in $(seq 1 40); do
    [ -f "$dir/docker.pid" ] && kill -0 "$(cat "$dir/docker.pid")" 2>/dev/null || break
    sleep 0.25
  done
  for name in "${bridges[@]}" "$bridge"; do
    [ "$name" = none ] || [ "$name" = docker0 ] && continue
    ip link show "$name" >/dev/null 2>&1 && ip link del "$name" 2>/dev/null || true
  done
}

# port_in_use PORT : true when something listens on 127.0.0.1:PORT.
port_in_use() {
  python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(0.5); sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"
}
