#!/usr/bin/env bash
# Benchmark: the database's own baseline (pgbench) beside MinutePool, in one run on this machine.
#
#   bash eng/bench.sh [--quick] [--seconds N] [--pgbench-seconds N] [--concurrency 8,32]
#                     [--close-workspaces N] [--report-calls N] [--report-budget SECONDS] [--out DIR]
#                     [-- extra options for tests/MinutePool.Benchmarks]
#
# 1. starts a private PostgreSQL 15 on loopback (eng/pg.sh; fsync and synchronous_commit on) with
#    pg_stat_statements loaded;
# 2. pgbench: initialises scale 10, then -b simple-update and -S, -M prepared, at 8 and 32 clients, -j 2;
# 3. publishes MinutePool in Release and starts it on a free loopback port against the same server
#    (demo seeding off, jobs off, operator token set, API rate limit lifted);
# 4. runs tests/MinutePool.Benchmarks, which provisions accounts through the operator API, drives the
#    scenarios, checks every balance against the calls it sent, and writes <out>/latest.md and latest.json
#    (default docs/benchmarks).
# Everything stops by itself: every phase is time-bounded and the whole tool has a hard timeout.
# Exit code: the benchmark tool's (2 = a balance was off), or 1 when the setup failed.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export MSBUILDDISABLENODEREUSE="${MSBUILDDISABLENODEREUSE:-1}"
# Not the 55432 that other tools on the project's machines use.
export MINUTEPOOL_PG_PORT_BASE="${MINUTEPOOL_PG_PORT_BASE:-56410}"

# shellcheck source=eng/pg.sh
source "$REPO/eng/pg.sh"

QUICK=0
SECONDS_PER_PHASE=""
PGBENCH_SECONDS=""
CONCURRENCY="8,32"
OUT="$REPO/docs/benchmarks"
TOOL_ARGS=()
while (( $# > 0 )); do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --seconds) SECONDS_PER_PHASE="$2"; shift 2 ;;
    --pgbench-seconds) PGBENCH_SECONDS="$2"; shift 2 ;;
    --concurrency) CONCURRENCY="$2"; shift 2 ;;
    --out) OUT="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    --close-workspaces|--report-calls|--report-budget|--close-timeout|--spread-accounts|--spread-workspaces|--hot-workspaces|--history-days|--import-clients|--balance-rate)
      TOOL_ARGS+=("$1" "$2"); shift 2 ;;
    --) shift; TOOL_ARGS+=("$@"); break ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 1 ;;
  esac
done
if [[ -z "$PGBENCH_SECONDS" ]]; then PGBENCH_SECONDS=$(( QUICK ? 3 : 12 )); fi
(( QUICK )) && TOOL_ARGS+=(--quick)
[[ -n "$SECONDS_PER_PHASE" ]] && TOOL_ARGS+=(--seconds "$SECONDS_PER_PHASE")

WORK="$REPO/artifacts/bench"
APP_PID=""
log() { printf '[bench] %s\n' "$*" >&2; }

stop_app() {
  [[ -n "$APP_PID" ]] || return 0
  local pid=$APP_PID i
  APP_PID=""
  kill -TERM "$pid" 2>/dev/null || true
  for (( i = 0; i < 20; i++ )); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  stop_app
  pg_stop
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM
trap 'log "hangup"; exit 129' HUP

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

rm -rf -- "$WORK"
mkdir -p "$WORK"

# --- Build first (the slow part on a busy machine), so the database is not idle meanwhile ------
log "publishing MinutePool (Release) and building the benchmark tool"
dotnet publish src/MinutePool.Web -c Release -o "$WORK/app" --nologo -v quiet >"$WORK/publish.log" 2>&1 || { cat "$WORK/publish.log" >&2; exit 1; }
dotnet build tests/MinutePool.Benchmarks -c Release -o "$WORK/tool" --nologo -v quiet >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }

# --- PostgreSQL --------------------------------------------------------------------------------
pg_start
# pg_stat_statements counts the app's round trips per request; it needs a restart to load.
conf="$PG_TMPDIR/data/postgresql.conf"
printf "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = top\npg_stat_statements.track_planning = on\nfsync = on\n" >>"$conf"
_pg_as_owner "$PG_BINDIR/pg_ctl" -D "$PG_TMPDIR/data" -w -t 60 -m fast restart >/dev/null
PSQL=("$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE pgbench" -c "CREATE DATABASE minutepool"
"${PSQL[@]}" -d postgres -At -c "SHOW fsync; SHOW synchronous_commit; SHOW shared_preload_libraries" | tr '\n' ' ' >&2; echo >&2

# --- pgbench baseline ----------------------------------------------------------------------------
PGBENCH="$PG_BINDIR/pgbench"
log "pgbench -i -s 10"
"$PGBENCH" -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -s 10 -q pgbench >"$WORK/pgbench-init.log" 2>&1
results="$WORK/pgbench.json"
echo "[" >"$results"
first=1
IFS=',' read -r -a clients_list <<<"$CONCURRENCY"
for mode in simple-update select-only; do
  for clients in "${clients_list[@]}"; do
    flag=(-b simple-update); [[ "$mode" == select-only ]] && flag=(-S)
    out="$WORK/pgbench-$mode-$clients.log"
    log "pgbench ${flag[*]} -M prepared -c $clients -j 2 -T $PGBENCH_SECONDS"
    "$PGBENCH" -h 127.0.0.1 -p "$PG_PORT" -U postgres "${flag[@]}" -M prepared -c "$clients" -j 2 -T "$PGBENCH_SECONDS" pgbench >"$out" 2>&1
    tps="$(sed -nE 's/^tps = ([0-9.]+) .*without initial connection time.*/\1/p' "$out")"
    lat="$(sed -nE 's/^latency average = ([0-9.]+) ms.*/\1/p' "$out")"
    log "  tps $tps, latency average $lat ms"
    (( first )) || echo "," >>"$results"
    first=0
    printf '{"mode":"%s","clients":%s,"seconds":%s,"tps":%s,"latencyAvgMs":%s}\n' "$mode" "$clients" "$PGBENCH_SECONDS" "${tps:-0}" "${lat:-0}" >>"$results"
  done
done
echo "]" >>"$results"
"${PSQL[@]}" -d postgres -c "DROP DATABASE pgbench"

# --- MinutePool ----------------------------------------------------------------------------------
APP_PORT="$(free_port)"
TOKEN="bench-operator-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
DB_CONN="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=postgres;Database=minutepool;Pooling=true;Maximum Pool Size=100"
log "starting MinutePool on 127.0.0.1:$APP_PORT"
(
  cd "$WORK/app"
  export ASPNETCORE_URLS="http://127.0.0.1:$APP_PORT"
  export ASPNETCORE_ENVIRONMENT=Production
  export MinutePool__Database__Provider=Postgres
  export ConnectionStrings__MinutePool="$DB_CONN"
  export MinutePool__Demo__SeedOnEmptyDatabase=false
  export MinutePool__Jobs__Enabled=false
  export MinutePool__OperatorToken="$TOKEN"
  export MinutePool__Api__RequestsPerSecond=1000000
  export MinutePool__Api__Burst=1000000
  exec dotnet MinutePool.Web.dll
) >"$WORK/app.log" 2>&1 &
APP_PID=$!
for (( i = 0; i < 120; i++ )); do
  curl -fsS "http://127.0.0.1:$APP_PORT/health/ready" >/dev/null 2>&1 && break
  kill -0 "$APP_PID" 2>/dev/null || { log "MinutePool exited; its log:"; cat "$WORK/app.log" >&2; exit 1; }
  sleep 1
done

machine="Machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GB RAM, load average at start $(cut -d' ' -f1-3 /proc/loadavg)."
log "running the benchmark tool"
rc=0
timeout --signal=TERM --kill-after=30 "$(( QUICK ? 900 : 2400 ))" \
  dotnet "$WORK/tool/MinutePool.Benchmarks.dll" \
    --base-url "http://127.0.0.1:$APP_PORT" --operator-token "$TOKEN" --database "$DB_CONN" \
    --app-pid "$APP_PID" --pgbench-json "$results" --out "$OUT" --concurrency "$CONCURRENCY" \
    --machine-note "$machine" "${TOOL_ARGS[@]}" || rc=$?
if grep -qE '\[(ERR|FTL)\]' "$WORK/app.log"; then
  log "the app logged errors (first ones below; whole log in ${WORK#"$REPO"/}/app.log)"
  grep -E '\[(ERR|FTL)\]' "$WORK/app.log" | head -5 >&2
fi
log "done (exit $rc); report in ${OUT#"$REPO"/}/latest.md"
exit "$rc"
