#!/usr/bin/env bash
# Proves the example configurations parse and start with the programs as built: copies each
# example with /etc/lls and /var/lib/lls pointed at a temporary folder, creates the keys the
# examples name with `lls keygen`, and runs
#   lls-node --config trust.toml status --no-probe
#   lls-hub  --config lls-hub.toml  members enrol ... ; status ; run (2 s, then SIGTERM)
#   lls-hub  --config national.toml members enrol ... ; status ; run (2 s, then SIGTERM)
# For `run` only, endpoints and the dashboard port are moved to free loopback ports, so the
# check cannot clash with a hub already running here. Exit 0 when every step succeeds; any
# failure stops the script with a non-zero exit.
#   deploy/examples/check.sh [BUILD_DIR]      (default: build/, after deploy/build.sh)
set -euo pipefail
cd "$(dirname "$0")"
EXAMPLES=$(pwd)
BUILD=$(cd "${1:-../../build}" && pwd)
LLS=$BUILD/tools/lls; HUB=$BUILD/hub/lls-hub; NODE=$BUILD/node/lls-node
WORK=$(mktemp -d /tmp/lls-examples-XXXXXX)
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

copy() {  # copy EXAMPLE NAME: the example with its absolute paths moved into $WORK
  sed -e "s#/etc/lls#$WORK/etc#g" -e "s#/var/lib/lls#$WORK/var#g" "$EXAMPLES/$1" >"$WORK/$2"
}
step() { printf '== %s\n' "$*"; }

for name in trust-leeds lls-north england; do
  "$LLS" keygen --name "$name" --out "$WORK/etc/keys" >/dev/null
done
copy trust.toml node.toml
copy lls-hub.toml lls-hub.toml
copy national.toml national.toml
# Both hub examples use /var/lib/lls/hub (they run on different machines); not here.
sed -i "s#^data_dir = .*#data_dir = \"$WORK/var/national\"#" "$WORK/national.toml"

step "trust.toml: lls-node status --no-probe"
"$NODE" --config "$WORK/node.toml" status --no-probe

step "lls-hub.toml: members enrol, status"
"$HUB" --config "$WORK/lls-hub.toml" members enrol --key "$WORK/etc/keys/trust-leeds.public" \
  --org RR8 --role trust --display-name "Leeds Teaching Hospitals" --actor check
"$HUB" --config "$WORK/lls-hub.toml" status

step "national.toml: members enrol, status"
"$HUB" --config "$WORK/national.toml" members enrol --key "$WORK/etc/keys/lls-north.public" \
  --org LLSN --role hub --lls lls-north --actor check
"$HUB" --config "$WORK/national.toml" status

run_briefly() {  # run_briefly CONFIG: start `run`, wait for the endpoints, stop with SIGTERM
  local config=$1 data=$2
  sed -i -e 's#tcp://0.0.0.0:740[12]#tcp://127.0.0.1:*#' -e 's#^port = 7480#port = 0#' "$config"
  local endpoint url
  rm -f "$data/ingest.endpoint" "$data/dashboard.url"
  "$HUB" --config "$config" run 2>"$config.log" & PID=$!
  # dashboard.url is written after ingest.endpoint, once the dashboard serves.
  for _ in $(seq 100); do [ -s "$data/dashboard.url" ] && break; sleep 0.05; done
  if ! [ -s "$data/ingest.endpoint" ] || ! [ -s "$data/dashboard.url" ]; then
    cat "$config.log" >&2; echo "run did not write ingest.endpoint and dashboard.url" >&2; exit 1
  fi
  # Read while the hub runs: it deletes dashboard.url when it exits. (In variables, so that a
  # failed read stops the script; inside echo's arguments it would not.)
  endpoint=$(cat "$data/ingest.endpoint")
  url=$(cat "$data/dashboard.url")
  sleep 2
  kill -TERM "$PID"
  if ! wait "$PID"; then cat "$config.log" >&2; echo "run did not exit 0" >&2; exit 1; fi
  PID=""
  if [ -e "$data/dashboard.url" ]; then echo "run left $data/dashboard.url behind" >&2; exit 1; fi
  echo "run: served on $endpoint, dashboard $url, stopped cleanly"
}
step "national.toml: run"
run_briefly "$WORK/national.toml" "$WORK/var/national"
step "lls-hub.toml: run (its [parent] is unreachable here: it keeps serving and retries)"
run_briefly "$WORK/lls-hub.toml" "$WORK/var/hub"
step "all examples parse and start"
