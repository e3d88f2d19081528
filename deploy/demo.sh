#!/usr/bin/env bash
# LLS Exchange demo: installs what is missing, builds, and runs what is real so far on
# loopback — an LLS hub and three trust nodes: one imports, previews and publishes (its
# identifiers caught and redacted), one receives what was shared, one is not enrolled and is
# refused — then prints what happened. Safe to run again: each run starts from a fresh demo/run folder.
#
#   deploy/demo.sh            run the demo, leave the hub running until Ctrl-C
#   deploy/demo.sh --once     run the demo and exit (for scripts and tests)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ONCE=0
[ "${1:-}" = "--once" ] && ONCE=1

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Installing missing packages (Debian 12)"
LLS_DEPS=build deploy/install-deps.sh  # the demo needs no browser
step "Building (build/build.log)"
deploy/build.sh
BIN=$ROOT/build
LLS=$BIN/tools/lls; HUB=$BIN/hub/lls-hub; NODE=$BIN/node/lls-node

RUN=$ROOT/demo/run
rm -rf "$RUN"; mkdir -p "$RUN/keys"
cd "$RUN"
HUB_PID=""
cleanup() { [ -n "$HUB_PID" ] && kill "$HUB_PID" 2>/dev/null && wait "$HUB_PID" 2>/dev/null; true; }
trap cleanup EXIT

step "Keys: an LLS hub, three trusts and a facilitator (Ed25519 to sign, X25519 for CURVE)"
for name in lls-north trust-leeds trust-york trust-hull facilitator-north; do
  "$LLS" keygen --name "$name" --out keys >/dev/null
  echo "  keys/$name.secret (0600) and keys/$name.public"
done

cat > hub.toml <<TOML
[hub]
name = "lls-north"
key = "keys/lls-north.secret"
data_dir = "hub"
[ingest]
endpoint = "tcp://127.0.0.1:*"
[subscribe]
endpoint = "tcp://127.0.0.1:*"
TOML

step "Enrolling two trusts and the LLS facilitator at the hub (trust-hull is NOT enrolled)"
"$HUB" --config hub.toml members enrol --key keys/trust-leeds.public --org RR8 \
  --role trust --display-name "Leeds Teaching Hospitals" --actor demo
"$HUB" --config hub.toml members enrol --key keys/trust-york.public --org RCB \
  --role trust --display-name "York and Scarborough" --actor demo
"$HUB" --config hub.toml members enrol --key keys/facilitator-north.public --org LLSN \
  --role facilitator --display-name "North LLS facilitator" --actor demo
"$HUB" --config hub.toml members list

step "Starting lls-hub on loopback"
"$HUB" --config hub.toml run 2> hub.log &
HUB_PID=$!
for _ in $(seq 100); do [ -s hub/ingest.endpoint ] && [ -s hub/subscribe.endpoint ] && break; sleep 0.05; done
ENDPOINT=$(cat hub/ingest.endpoint); SUBSCRIBE=$(cat hub/subscribe.endpoint)
echo "  ingest on $ENDPOINT, subscriptions on $SUBSCRIBE (log: demo/run/hub.log)"

for trust in trust-leeds:RR8 trust-york:RCB trust-hull:RWA facilitator-north:LLSN; do
  key=${trust%%:*}; org=${trust##*:}; name=${key#*-}
  cat > "node-$name.toml" <<TOML
[node]
organisation = "$org"
key = "keys/$key.secret"
data_dir = "node-$name"
[hub]
endpoint = "$ENDPOINT"
subscribe_endpoint = "$SUBSCRIBE"
public_key = "keys/lls-north.public"
TOML
done

# What a trust's analyst exports from local systems (synthetic figures).
cat > projects.csv <<'CSV'
project,title,area,aim,change_ideas,pdsa_cycles,stage,start_month
SFP-01,"Smoke-free pregnancy pathway, ""opt-out"" referral",smoke-free-pregnancy,Halve smoking at time of delivery by 2027,CO monitoring at every contact;Opt-out referral,4,testing,2026-01
CSV
cat > counts.csv <<'CSV'
project,measure,period,numerator,denominator
SFP-01,SATOD,2026-01,23,212
SFP-01,SATOD,2026-02,19,198
SFP-01,SATOD,2026-03,6,205
SFP-01,CO_BOOKING,2026-03,201,205
CSV
cat > huddle-note.md <<'MD'
---
id: L-2026-03
title: Referral missed at booking
kind: error
area: smoke-free-pregnancy
tags: [referral, CO monitoring]
---
Mrs Patel (NHS 943 476 5919) had a CO reading of 9 ppm at booking but was not referred.
The huddle now checks every reading above 4 ppm before the woman leaves clinic.
MD

step "trust-leeds imports its exports (CSV and a learning note)"
"$NODE" --config node-leeds.toml import projects.csv counts.csv huddle-note.md

step "trust-leeds previews exactly what would leave the trust"
"$NODE" --config node-leeds.toml preview | sed 's/^/  /'

step "trust-leeds publishes: refused, the note holds identifiers"
"$NODE" --config node-leeds.toml publish --wait 10 || true

step "trust-leeds publishes with --redact"
"$NODE" --config node-leeds.toml publish --redact --wait 10 || true

step "trust-york runs its node service, which receives what the LLS shares"
"$NODE" --config node-york.toml run 2> york.log &
YORK_PID=$!
for _ in $(seq 50); do
  "$NODE" --config node-york.toml inbox --json 2>/dev/null | grep -q project-summary && break
  sleep 0.2
done
"$NODE" --config node-york.toml inbox | sed 's/^/  /'
echo "  (trust-leeds's learning note is not there: it waits for the facilitator)"

step "The facilitator lists the learning waiting for curation, and approves it"
"$LLS" curate --config node-north.toml list | sed 's/^/  /'
ITEM=$("$LLS" curate --config node-north.toml list --json | sed -n 's/.*"id":"\([0-9a-f]\{32\}\)".*/\1/p' | head -1)
"$LLS" curate --config node-north.toml approve "$ITEM" | sed 's/^/  /'
for _ in $(seq 50); do
  "$NODE" --config node-york.toml inbox --json 2>/dev/null | grep -q '"relay"' && break
  sleep 0.2
done
echo "  trust-york's inbox now holds the approved note, relayed by the hub with the author's signature:"
"$NODE" --config node-york.toml inbox | sed 's/^/  /'
kill "$YORK_PID" 2>/dev/null; wait "$YORK_PID" 2>/dev/null || true

step "trust-hull (not enrolled) publishes: refused at the CURVE/ZAP handshake"
"$NODE" --config node-hull.toml import projects.csv >/dev/null
"$NODE" --config node-hull.toml publish --wait 10 || true
echo "  trust-hull's message stays queued in its outbox:"
"$NODE" --config node-hull.toml status --no-probe | sed 's/^/    /'

step "What the hub stored"
"$HUB" --config hub.toml status
sqlite3 hub/hub.db "SELECT writefile('message-1.env', envelope) FROM log WHERE hub_seq = 1" >/dev/null
echo "  the first stored envelope, decoded and verified by 'lls inspect' (first lines):"
"$LLS" inspect message-1.env | head -20 | sed 's/^/    /'

if [ "$ONCE" = 1 ]; then
  step "Done (--once): stopping the hub"
  exit 0
fi
step "The hub keeps running on $ENDPOINT; press Ctrl-C to stop it"
wait "$HUB_PID"
