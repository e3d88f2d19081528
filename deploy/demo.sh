#!/usr/bin/env bash
# LLS Exchange demo region, on loopback: a national hub, two LLS hubs (north, south), three
# trusts in each and a facilitator per LLS. Synthetic data (`lls simulate`) goes through the real
# programs: trusts import and publish (identifiers in a learning note are refused, then
# redacted), hubs aggregate and forward, facilitators approve learning, the national hub sums.
# Then it prints per LLS, nationally and per measure the latest rate, the change from baseline
# and the SPC signal, and where the dashboards are.
#
#   deploy/demo.sh            run the demo, keep the region running until Ctrl-C
#   deploy/demo.sh --once     run the demo, print, stop everything and exit (scripts, tests)
#
# Environment (for tests and for running it beside other things):
#   LLS_BIN_DIR=DIR           use the programs built in DIR (skips installing and building)
#   LLS_DEMO_DIR=DIR          run folder (default demo/run; a relative DIR is taken from the
#                             folder you run this from); emptied at the start
#   LLS_DEMO_DASHBOARD_PORT=N first dashboard port (default 7480: national 7480, north 7481,
#                             south 7482); 0 lets each hub pick a free one
# A second run works without cleaning up: it stops what a previous run left running (only the
# processes it recorded in RUN/pids, each checked by its start time, since PIDs are reused).
set -euo pipefail
# Relative paths are the caller's: resolve them before leaving the caller's folder.
[ -n "${LLS_BIN_DIR:-}" ] && LLS_BIN_DIR=$(realpath -m -- "$LLS_BIN_DIR")
[ -n "${LLS_DEMO_DIR:-}" ] && LLS_DEMO_DIR=$(realpath -m -- "$LLS_DEMO_DIR")
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ONCE=0
[ "${1:-}" = "--once" ] && ONCE=1

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '  %s\n' "$*"; }
fail() { printf '\ndemo: %s\n' "$*" >&2; exit 1; }
log_tail() {  # log_tail FILE: its last lines, indented, on stderr
  printf '  last lines of %s:\n' "$1" >&2
  tail -n 15 "$1" 2>/dev/null | sed 's/^/      /' >&2 || true
}

if [ -z "${LLS_BIN_DIR:-}" ]; then
  step "Installing missing packages (Debian 12)"
  LLS_DEPS=build deploy/install-deps.sh
  step "Building (log: build/build.log; a first build takes a few minutes)"
  deploy/build.sh &
  BUILD_PID=$!
  while kill -0 "$BUILD_PID" 2>/dev/null; do
    progress=$(grep -o '^\[ *[0-9]*%\]' build/build.log 2>/dev/null | tail -1 || true)
    printf '\r  %s ' "${progress:-configuring}"
    sleep 2
  done
  wait "$BUILD_PID"
  printf '\r  built                \n'
  BIN=$ROOT/build
else
  BIN=$LLS_BIN_DIR
fi
LLS=$BIN/tools/lls; HUB=$BIN/hub/lls-hub; NODE=$BIN/node/lls-node
for program in "$LLS" "$HUB" "$NODE"; do
  [ -x "$program" ] || { echo "demo: $program is missing" >&2; exit 1; }
done
command -v jq >/dev/null || { echo "demo: jq is missing (deploy/install-deps.sh installs it)" >&2; exit 1; }

# Absolute: the script works inside $RUN, and the pids file must be found from anywhere.
RUN=$(realpath -m -- "${LLS_DEMO_DIR:-$ROOT/demo/run}")
[ "$RUN" != / ] || fail "LLS_DEMO_DIR must not be /"
PORT=${LLS_DEMO_DASHBOARD_PORT:-7480}
dashboard_port() { [ "$PORT" = 0 ] && echo 0 || echo $((PORT + $1)); }

# A process's identity: PID, start time since boot in clock ticks (/proc/PID/stat field 22)
# and the boot id. A PID alone may by now belong to another program (PIDs are reused, and other
# lls programs run on this machine); the three together name one process.
BOOT_ID=$(cat /proc/sys/kernel/random/boot_id)
start_time() {  # start_time PID: field 22 of /proc/PID/stat, or nothing if PID is gone
  local stat rest fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  rest=${stat##*) }            # fields 3.. (field 2, the name, may hold spaces and ")")
  read -r -a fields <<<"$rest"
  echo "${fields[19]}"
}
still_ours() {  # still_ours PID START BOOT: PID is the very process recorded
  [ "$3" = "$BOOT_ID" ] && [ -n "$2" ] && [ "$(start_time "$1")" = "$2" ]
}

# What a previous run left running (it was not stopped with Ctrl-C): stop it first.
if [ -f "$RUN/pids" ]; then
  OLD=()
  while read -r pid start boot; do
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    if still_ours "$pid" "$start" "${boot:-}"; then
      kill "$pid" 2>/dev/null || true
      OLD+=("$pid $start $boot")
    fi
  done < "$RUN/pids"
  if [ ${#OLD[@]} -gt 0 ]; then
    say "stopping ${#OLD[@]} process(es) a previous run left running"
    for _ in $(seq 100); do   # up to 10 s; the hubs exit within a second of SIGTERM
      alive=()
      for entry in "${OLD[@]}"; do
        read -r pid start boot <<<"$entry"
        still_ours "$pid" "$start" "$boot" && alive+=("$pid")
      done
      [ ${#alive[@]} -eq 0 ] && break
      sleep 0.1
    done
    [ ${#alive[@]} -eq 0 ] ||
      fail "a previous run's processes (PID ${alive[*]}) did not stop within 10 s of SIGTERM; stop them, then run again"
  fi
fi
rm -rf "$RUN"; mkdir -p "$RUN/keys" "$RUN/logs"
cd "$RUN"
PIDS=()
declare -A HUB_PID=()
stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
  rm -f "$RUN/pids"
}
trap stop_all EXIT
trap 'echo; step "Stopping"; stop_all; exit 0' INT TERM
start() {  # start NAME PROGRAM ARGS...: in the background, logged to logs/NAME.log
  local name=$1; shift
  "$@" 2> "logs/$name.log" &
  local pid=$!
  PIDS+=("$pid")
  HUB_PID[$name]=$pid
  # The start time is set at fork and kept across exec: read now, it is the program's.
  echo "$pid $(start_time "$pid") $BOOT_ID" >> "$RUN/pids"
}
wait_file() {  # wait_file FILE PID: until FILE exists (or the process died)
  for _ in $(seq 200); do [ -s "$1" ] && return 0; kill -0 "$2" 2>/dev/null || break; sleep 0.05; done
  fail "$1 did not appear; see $RUN/logs"
}
hubs_alive() {  # hubs_alive: fail, naming the log, if a hub this run started has stopped
  local name
  for name in "${!HUB_PID[@]}"; do
    if ! kill -0 "${HUB_PID[$name]}" 2>/dev/null; then
      log_tail "$RUN/logs/$name.log"
      fail "hub $name (PID ${HUB_PID[$name]}) has stopped; see $RUN/logs/$name.log"
    fi
  done
}

step "Synthetic data: two LLSs, three trusts each, 24 months of every catalogue measure"
"$LLS" simulate --lls lls-north --prefix north --trusts 3 --months 24 --seed 11 --out sim/north >/dev/null
"$LLS" simulate --lls lls-south --prefix south --trusts 3 --months 24 --seed 22 --out sim/south >/dev/null
for lls in north south; do
  jq -r '.trusts[] | "  \(.display_name) (\(.organisation)), \(.births_per_month) births a month" +
         (if (.changes | length) > 0 then ", a change idea from \(.changes[0].month) (\(.changes[0].measure))" else "" end)' \
    "sim/$lls/manifest.json"
done

TRUSTS_NORTH=$(jq -r '.trusts[].name' sim/north/manifest.json)
TRUSTS_SOUTH=$(jq -r '.trusts[].name' sim/south/manifest.json)

step "Keys for every participant (Ed25519 to sign, X25519 for CURVE; secret files 0600)"
for name in national lls-north lls-south facilitator-north facilitator-south $TRUSTS_NORTH $TRUSTS_SOUTH; do
  "$LLS" keygen --name "$name" --out keys >/dev/null
done
say "$(ls keys/*.public | wc -l) key pairs in $RUN/keys"

hub_config() {  # hub_config NAME DASHBOARD_PORT [PARENT]
  cat > "$1.toml" <<TOML
[hub]
name = "$1"
key = "keys/$1.secret"
data_dir = "$1"
[ingest]
endpoint = "tcp://127.0.0.1:*"
[subscribe]
endpoint = "tcp://127.0.0.1:*"
[dashboard]
port = $2
TOML
  if [ -n "${3:-}" ]; then
    cat >> "$1.toml" <<TOML
[parent]
endpoint = "$(cat "$3/ingest.endpoint")"
subscribe_endpoint = "$(cat "$3/subscribe.endpoint")"
public_key = "keys/$3.public"
TOML
  fi
}

start_hub() {  # start_hub NAME
  start "$1" "$HUB" --config "$1.toml" run
  wait_file "$1/ingest.endpoint" "${PIDS[-1]}"
}

step "The national hub"
hub_config national "$(dashboard_port 0)"
"$HUB" --config national.toml members enrol --key keys/lls-north.public --org LLS-N --role hub \
  --lls lls-north --display-name "North LLS hub" --actor demo >/dev/null
"$HUB" --config national.toml members enrol --key keys/lls-south.public --org LLS-S --role hub \
  --lls lls-south --display-name "South LLS hub" --actor demo >/dev/null
start_hub national
say "ingest $(cat national/ingest.endpoint); LLS hubs north and south enrolled with role hub"

node_config() {  # node_config NAME ORG HUB
  cat > "$1.toml" <<TOML
[node]
organisation = "$2"
key = "keys/$1.secret"
data_dir = "$1"
[hub]
endpoint = "$(cat "$3/ingest.endpoint")"
subscribe_endpoint = "$(cat "$3/subscribe.endpoint")"
public_key = "keys/$3.public"
TOML
}

for lls in north south; do
  step "LLS $lls: hub, three trusts and a facilitator"
  port=$([ "$lls" = north ] && dashboard_port 1 || dashboard_port 2)
  hub_config "lls-$lls" "$port" national
  while read -r name org display; do
    "$HUB" --config "lls-$lls.toml" members enrol --key "keys/$name.public" --org "$org" \
      --role trust --display-name "$display" --actor demo >/dev/null
    say "enrolled $display ($org)"
  done < <(jq -r '.trusts[] | "\(.name) \(.organisation) \(.display_name)"' "sim/$lls/manifest.json")
  "$HUB" --config "lls-$lls.toml" members enrol --key "keys/facilitator-$lls.public" \
    --org "LLS-${lls^^}" --role facilitator --display-name "${lls^} LLS facilitator" --actor demo >/dev/null
  say "enrolled the ${lls} LLS facilitator"
  start_hub "lls-$lls"
  say "lls-$lls runs, forwarding to the national hub"
done

publish_trust() {  # publish_trust LLS NAME ORG
  local lls=$1 name=$2 org=$3 dir="sim/$1/$2"
  node_config "$name" "$org" "lls-$lls"
  "$NODE" --config "$name.toml" import "$dir/projects.csv" "$dir/counts.csv" >/dev/null
  local notes=("$dir"/learning/*.md)
  [ -e "${notes[0]}" ] && "$NODE" --config "$name.toml" learning add "${notes[@]}" >/dev/null
  local log="logs/$name-publish.log"
  if "$NODE" --config "$name.toml" publish --wait 15 > "$log" 2>&1; then
    say "$name: published"
  elif grep -q "publishing refused:" "$log"; then
    # A learning note holds something that could identify a patient: nothing was sent. (Any
    # other failure - no answer from the hub, a refusal by the hub, a failed CURVE handshake -
    # also exits 1, and is not this.)
    say "$name: REFUSED before anything left the trust:"
    grep -v "publishing refused:" "$log" | head -n 3 | sed 's/^/      /' || true
    log="logs/$name-publish-redact.log"
    if ! "$NODE" --config "$name.toml" publish --redact --wait 15 > "$log" 2>&1; then
      log_tail "$log"
      fail "$name: publish --redact failed; see $RUN/$log"
    fi
    say "$name: published with --redact (identifiers replaced before sending)"
  else
    log_tail "$log"
    fail "$name: publish failed (not an identifier refusal); see $RUN/$log and $RUN/logs/lls-$lls.log"
  fi
}

step "Trusts import their monthly counts and learning notes, and publish"
say "(disclosure control suppresses counts of 1-7 and rounds the rest to 5 before sending)"
for lls in north south; do
  while read -r name org; do
    publish_trust "$lls" "$name" "$org"
  done < <(jq -r '.trusts[] | "\(.name) \(.organisation)"' "sim/$lls/manifest.json")
done

step "Facilitators curate: the first two learning items in each LLS are approved"
for lls in north south; do
  node_config "facilitator-$lls" "LLS-${lls^^}" "lls-$lls"
  # In a variable first: a failure inside `for id in $(...)` would not stop the script.
  pending=$("$LLS" curate --config "facilitator-$lls.toml" list --json)
  ids=$(jq -r '.[0:2][].id' <<<"$pending")
  for id in $ids; do
    title=$(jq -r --arg id "$id" '.[] | select(.id == $id) | .title' <<<"$pending")
    "$LLS" curate --config "facilitator-$lls.toml" approve "$id" >/dev/null
    say "$lls: approved \"$title\""
  done
done

step "Waiting for the LLS hubs' figures to reach the national hub"
for _ in $(seq 120); do   # up to 60 s
  hubs_alive
  queued=0
  for lls in north south; do
    q=$("$HUB" --config "lls-$lls.toml" status --json | jq -e '.parent.queued')
    queued=$((queued + q))
  done
  printf '\r  %s forwards in flight   ' "$queued"
  [ "$queued" = 0 ] && break
  sleep 0.5
done
printf '\n'
hubs_alive
if [ "$queued" != 0 ]; then
  for lls in north south; do
    "$HUB" --config "lls-$lls.toml" status | grep -i "parent" | sed "s/^/  lls-$lls: /" >&2 || true
  done
  fail "after 60 s the LLS hubs still have $queued forward(s) queued for the national hub; see $RUN/logs/lls-north.log, lls-south.log and national.log"
fi
"$HUB" --config national.toml report --json > report.json
say "$(jq length report.json) series at the national hub"

step "Where each measure stands: nationally and per LLS (latest month, change from the first six months, SPC)"
"$HUB" --config national.toml report | sed 's/^/  /'

step "Dashboards"
for hub in national lls-north lls-south; do
  if [ -s "$hub/dashboard.url" ]; then say "$hub: $(cat "$hub/dashboard.url")"
  else say "$hub: no dashboard (see logs/$hub.log)"; fi
done
say "logs: $RUN/logs; data: $RUN"

if [ "$ONCE" = 1 ]; then
  step "Done (--once): stopping the region"
  exit 0
fi
step "The region keeps running; press Ctrl-C to stop it"
wait
