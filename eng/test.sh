#!/usr/bin/env bash
# Runs the whole test suite: dotnet test MinutePool.sln -c Release [extra dotnet test args...]
#
# PostgreSQL: uses MINUTEPOOL_TEST_PG when set (an Npgsql connection string whose user may
# CREATE DATABASE); otherwise starts a private, throw-away cluster (eng/pg.sh), installing
# PostgreSQL with apt when it is missing, and removes it on exit (also on failure or Ctrl-C).
# Chromium (for browser tests) is installed with apt when /usr/bin/chromium is missing, unless
# MINUTEPOOL_SKIP_CHROMIUM=1.
#
# Prints a last line "N passed, N failed, N skipped" (summed from the .trx files in
# artifacts/test-results) and exits with dotnet test's exit code.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# No MSBuild worker nodes outliving the run (they would keep CI output pipes open).
export MSBUILDDISABLENODEREUSE="${MSBUILDDISABLENODEREUSE:-1}"

# shellcheck source=eng/pg.sh
source "$REPO/eng/pg.sh"

RESULTS="$REPO/artifacts/test-results"
DOTNET_PID=""

log() { printf '[test] %s\n' "$*" >&2; }

# Stops a still-running dotnet test (its whole process group) after a signal or error.
stop_dotnet() {
  [[ -n "$DOTNET_PID" ]] || return 0
  local pid=$DOTNET_PID i
  DOTNET_PID=""
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for (( i = 0; i < 20; i++ )); do
    kill -0 -- "-$pid" 2>/dev/null || kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  stop_dotnet
  pg_stop
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM
trap 'log "hangup"; exit 129' HUP

as_root() {
  if (( EUID == 0 )); then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    log "need root (or sudo) to run: $*"
    return 1
  fi
}

# --- Chromium (browser tests) -------------------------------------------------------------
if [[ "${MINUTEPOOL_SKIP_CHROMIUM:-0}" == "1" ]]; then
  log "MINUTEPOOL_SKIP_CHROMIUM=1: not checking for Chromium"
elif [[ ! -x /usr/bin/chromium ]]; then
  log "/usr/bin/chromium missing; installing Debian package 'chromium' (set MINUTEPOOL_SKIP_CHROMIUM=1 to skip)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [[ -x /usr/bin/chromium ]] || { log "apt-get install chromium did not provide /usr/bin/chromium"; exit 1; }
fi

# --- PostgreSQL ---------------------------------------------------------------------------
if [[ -n "${MINUTEPOOL_TEST_PG:-}" ]]; then
  log "using the PostgreSQL server in MINUTEPOOL_TEST_PG"
else
  pg_start
  export MINUTEPOOL_TEST_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=postgres;Database=postgres;Pooling=true;Maximum Pool Size=100"
fi

# --- Tests --------------------------------------------------------------------------------
rm -rf -- "$RESULTS"
mkdir -p "$RESULTS"

# LogFilePrefix (not LogFileName) so that each test project writes its own .trx file.
cmd=(dotnet test MinutePool.sln -c Release
     --logger "console;verbosity=normal"
     --logger "trx;LogFilePrefix=results"
     --results-directory "$RESULTS"
     "$@")
log "${cmd[*]}"

# In the background, in its own process group, so that a signal to this script can stop it
# (and its test hosts) before the database goes away.
if command -v setsid >/dev/null 2>&1; then
  setsid "${cmd[@]}" </dev/null &
else
  "${cmd[@]}" </dev/null &
fi
DOTNET_PID=$!
rc=0
wait "$DOTNET_PID" || rc=$?
DOTNET_PID=""
pg_stop   # now, so that the summary below is the last line of output (the EXIT trap is then a no-op)

# --- Summary ------------------------------------------------------------------------------
summary="$(python3 - "$RESULTS" <<'PY'
import pathlib, sys, xml.etree.ElementTree as ET

keys = ("total", "executed", "passed", "failed", "error", "timeout", "aborted")
sums = dict.fromkeys(keys, 0)
files = sorted(pathlib.Path(sys.argv[1]).rglob("*.trx"))
for path in files:
  try:
    root = ET.parse(path).getroot()
  except ET.ParseError as e:
    print(f"[test] cannot parse {path}: {e}", file=sys.stderr)
    continue
  for el in root.iter():
    if el.tag.rsplit("}", 1)[-1] == "Counters":
      for k in keys:
        sums[k] += int(el.get(k, "0") or 0)
      break
if not files:
  print("[test] no .trx files were produced", file=sys.stderr)
failed = sums["failed"] + sums["error"] + sums["timeout"] + sums["aborted"]
skipped = max(sums["total"] - sums["executed"], 0)
print(f"{sums['passed']} passed, {failed} failed, {skipped} skipped")
PY
)" || { log "could not sum the .trx files"; summary="0 passed, 0 failed"; }

log "dotnet test exited with $rc; results in ${RESULTS#"$REPO"/}"
echo "$summary"
exit "$rc"
