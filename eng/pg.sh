# shellcheck shell=bash
# Private, throw-away PostgreSQL cluster for tests and benchmarks.
#
# Source this file, then:
#   pg_start   # installs PostgreSQL via apt if needed, starts a cluster on 127.0.0.1:<free port>
#              # sets (does not export) PG_PORT, PG_TMPDIR, PG_BINDIR, PG_CONNSTRING (Npgsql)
#   pg_stop    # stops the cluster (pg_ctl stop -m fast) and deletes its directory; idempotent
#
# Callers should arrange `trap pg_stop EXIT` (see eng/test.sh).
# The server runs as the `postgres` OS user when the caller is root (initdb refuses to run as
# root), otherwise as the calling user. Authentication is `trust`; the password in
# PG_CONNSTRING is ignored by the server and only there for clients that insist on one.
#
# Tunables (environment):
#   MINUTEPOOL_PG_PORT_BASE      first port to try (default 54320; up to 200 ports are tried)
#   MINUTEPOOL_PG_TMPROOT        parent of the cluster directory (default /tmp; must be
#                                traversable by the postgres user and short: socket path <108)
#   MINUTEPOOL_PG_SHARED_BUFFERS (default 256MB)
#   MINUTEPOOL_PG_MAX_CONN       (default 300)

# State of the cluster started by *this* shell. Deliberately not taken from the environment, so
# that a script run under another one that sourced this file never stops the outer cluster.
PG_PORT=""
PG_TMPDIR=""
PG_BINDIR=""
PG_CONNSTRING=""
PG_RUN_AS=""

_pg_log() { printf '[pg] %s\n' "$*" >&2; }

# Newest /usr/lib/postgresql/<version>/bin that has initdb, or nothing.
_pg_find_bindir() {
  local candidate best="" best_ver=-1 ver
  for candidate in /usr/lib/postgresql/*/bin/initdb; do
    [[ -x "$candidate" ]] || continue
    ver="${candidate#/usr/lib/postgresql/}"
    ver="${ver%%/*}"
    ver="${ver%%.*}"
    [[ "$ver" =~ ^[0-9]+$ ]] || continue
    if (( ver > best_ver )); then
      best_ver=$ver
      best="${candidate%/initdb}"
    fi
  done
  [[ -n "$best" ]] && printf '%s\n' "$best"
  return 0
}

# Installs PostgreSQL with apt when no /usr/lib/postgresql/*/bin/initdb exists.
pg_ensure_installed() {
  PG_BINDIR="$(_pg_find_bindir)"
  if [[ -n "$PG_BINDIR" ]]; then
    return 0
  fi
  _pg_log "PostgreSQL not found; installing it with apt-get"
  local sudo=()
  if (( EUID != 0 )); then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo -n)
    else
      _pg_log "not root and no sudo: install PostgreSQL (apt-get install postgresql) or set MINUTEPOOL_TEST_PG"
      return 1
    fi
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null || return 1
  PG_BINDIR="$(_pg_find_bindir)"
  if [[ -z "$PG_BINDIR" ]]; then
    _pg_log "apt-get install postgresql did not provide /usr/lib/postgresql/*/bin/initdb"
    return 1
  fi
}

# Runs a PostgreSQL server binary as the cluster owner, from a directory that owner can read.
_pg_as_owner() {
  if [[ "$PG_RUN_AS" == "postgres" ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# True when nothing listens on 127.0.0.1:$1 and it can be bound.
_pg_port_free() {
  local port=$1
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$port" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
  s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
  sys.exit(1)
finally:
  s.close()
PY
    return
  fi
  if command -v ss >/dev/null 2>&1; then
    [[ -z "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]]
    return
  fi
  # Last resort: a successful connect means it is taken.
  ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# Starts the cluster; on failure removes whatever it had created and returns non-zero.
pg_start() {
  if [[ -n "$PG_TMPDIR" && -d "$PG_TMPDIR" ]]; then
    _pg_log "a cluster is already running in $PG_TMPDIR"
    return 1
  fi
  local rc=0
  _pg_start || rc=$?
  if (( rc != 0 )); then
    pg_stop
    return "$rc"
  fi
}

# (Every step checks its own status: `set -e` does not apply inside a function called with ||.)
_pg_start() {
  pg_ensure_installed || return 1

  if (( EUID == 0 )); then
    if ! id postgres >/dev/null 2>&1; then
      _pg_log "running as root but there is no 'postgres' OS user (install the postgresql package)"
      return 1
    fi
    PG_RUN_AS=postgres
  else
    PG_RUN_AS="$(id -un)"
  fi

  local root="${MINUTEPOOL_PG_TMPROOT:-/tmp}"
  PG_TMPDIR="$(mktemp -d "$root/minutepool-pg.XXXXXX")" || return 1
  if [[ "$PG_RUN_AS" == "postgres" ]]; then
    chown postgres: "$PG_TMPDIR" || return 1
  fi
  chmod 700 "$PG_TMPDIR" || return 1
  local data="$PG_TMPDIR/data" log="$PG_TMPDIR/postgres.log"

  local locale=C
  if locale -a 2>/dev/null | grep -qiE '^C\.utf-?8$'; then
    locale=C.UTF-8
  fi
  _pg_log "initdb ($PG_BINDIR, locale $locale) in $data"
  if ! _pg_as_owner "$PG_BINDIR/initdb" -D "$data" -A trust -U postgres -E UTF8 \
      --locale="$locale" --no-sync >"$PG_TMPDIR/initdb.log" 2>&1; then
    cat "$PG_TMPDIR/initdb.log" >&2
    return 1
  fi

  # Settings for tests; the port is added per attempt below.
  local conf="$data/postgresql.conf"
  cat >>"$conf" <<EOF || return 1

# --- added by eng/pg.sh ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_TMPDIR'
max_connections = ${MINUTEPOOL_PG_MAX_CONN:-300}
shared_buffers = ${MINUTEPOOL_PG_SHARED_BUFFERS:-256MB}
synchronous_commit = on
timezone = 'UTC'
log_timezone = 'UTC'
EOF

  local base="${MINUTEPOOL_PG_PORT_BASE:-54320}" port attempt=0
  for (( port = base; port < base + 200; port++ )); do
    _pg_port_free "$port" || continue
    attempt=$((attempt + 1))
    rm -f -- "$log"   # pg_ctl (re)creates it as the cluster owner
    # Starting can still lose a race for the port with a parallel run; then try the next one.
    if _pg_as_owner "$PG_BINDIR/pg_ctl" -D "$data" -l "$log" -w -t 60 \
        -o "-p $port" start >/dev/null 2>&1; then
      PG_PORT=$port
      break
    fi
    if grep -qiE 'could not (bind|create listen)|address already in use' "$log" 2>/dev/null && (( attempt < 10 )); then
      _pg_log "port $port taken meanwhile; trying the next one"
      continue
    fi
    _pg_log "pg_ctl start failed; server log:"
    cat "$log" >&2 || true
    return 1
  done
  if [[ -z "$PG_PORT" ]]; then
    _pg_log "no free port in $base..$((base + 199))"
    return 1
  fi

  local i
  for (( i = 0; i < 60; i++ )); do
    if "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -t 2; then
      break
    fi
    sleep 1
  done
  if ! "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -t 2; then
    _pg_log "server on port $PG_PORT did not become ready; server log:"
    cat "$log" >&2 || true
    return 1
  fi

  PG_CONNSTRING="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=postgres;Database=postgres;Pooling=true;Maximum Pool Size=100"
  _pg_log "PostgreSQL $("$PG_BINDIR/postgres" -V | awk '{print $3}') ready on 127.0.0.1:$PG_PORT (dir $PG_TMPDIR)"
}

# Stops the cluster and removes its directory. Safe to call more than once and from traps.
pg_stop() {
  local dir="$PG_TMPDIR"
  [[ -n "$dir" ]] || return 0
  local data="$dir/data"
  if [[ -f "$data/postmaster.pid" ]]; then
    if ! _pg_as_owner "$PG_BINDIR/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1; then
      # Still up after 30 s: kill our own postmaster by its pid.
      local pid
      pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
      if [[ "$pid" =~ ^[0-9]+$ ]]; then
        _pg_log "pg_ctl stop failed; killing postmaster $pid"
        kill -QUIT "$pid" 2>/dev/null || true
        sleep 2
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
  fi
  case "$dir" in
    */minutepool-pg.*) rm -rf -- "$dir" ;;
    *) _pg_log "not removing unexpected directory '$dir'" ;;
  esac
  PG_TMPDIR=""
  PG_PORT=""
  PG_CONNSTRING=""
  _pg_log "stopped and removed $dir"
  return 0
}
