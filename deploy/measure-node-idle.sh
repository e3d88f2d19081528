#!/usr/bin/env bash
# Measures an idle `lls-node run`: resident memory and CPU time over a quiet period, with a
# real hub on loopback, the inbox subscribed (long-poll) and a watched drop folder. Prints its figures; asserts nothing.
#   deploy/measure-node-idle.sh [SECONDS]     (default 30; run deploy/build.sh first)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_IDLE=${1:-30}
BIN=$(pwd)/build
WORK=$(mktemp -d /tmp/lls-idle-XXXXXX)
trap 'kill $HUB_PID $NODE_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
cd "$WORK"
"$BIN/tools/lls" keygen --name hub --out keys >/dev/null
"$BIN/tools/lls" keygen --name trust --out keys >/dev/null
printf '[hub]\nname = "idle"\nkey = "keys/hub.secret"\ndata_dir = "hub"\n[ingest]\nendpoint = "tcp://127.0.0.1:*"\n[subscribe]\nendpoint = "tcp://127.0.0.1:*"\n[dashboard]\nport = 0\n' > hub.toml
"$BIN/hub/lls-hub" --config hub.toml members enrol --key keys/trust.public --org RXT --role trust >/dev/null
"$BIN/hub/lls-hub" --config hub.toml run 2>hub.log & HUB_PID=$!
for _ in $(seq 100); do [ -s hub/ingest.endpoint ] && [ -s hub/subscribe.endpoint ] && break; sleep 0.05; done
mkdir -p drop
printf '[node]\norganisation = "RXT"\nkey = "keys/trust.secret"\ndata_dir = "node"\n[hub]\nendpoint = "%s"\nsubscribe_endpoint = "%s"\npublic_key = "keys/hub.public"\n[drop]\nfolder = "drop"\n' \
  "$(cat hub/ingest.endpoint)" "$(cat hub/subscribe.endpoint)" > node.toml
"$BIN/node/lls-node" --config node.toml run 2>node.log & NODE_PID=$!
sleep 2  # start-up done
ticks() { awk '{print $14 + $15}' "/proc/$NODE_PID/stat"; }
t0=$(ticks); sleep "$SECONDS_IDLE"; t1=$(ticks)
hz=$(getconf CLK_TCK)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$NODE_PID/status")
awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$SECONDS_IDLE" -v rss="$rss" 'BEGIN {
  printf "lls-node run, idle for %d s: CPU %.3f s (%.2f%% of one core), resident memory %.1f MiB\n",
         s, d / hz, 100 * d / hz / s, rss / 1024 }'
