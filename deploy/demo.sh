#!/usr/bin/env bash
# LLS Exchange demo: installs what is missing, builds, and runs what is real so far on
# loopback — an LLS hub and two trust nodes, one enrolled and one not — then prints what
# happened. Safe to run again: each run starts from a fresh demo/run folder.
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
deploy/install-deps.sh
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

step "Keys: a hub and two trusts (Ed25519 to sign, X25519 for CURVE)"
for name in lls-north trust-leeds trust-york; do
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
TOML

step "Enrolling trust-leeds at the hub (trust-york is NOT enrolled)"
"$HUB" --config hub.toml members enrol --key keys/trust-leeds.public --org RR8 \
  --role trust --display-name "Leeds Teaching Hospitals" --actor demo
"$HUB" --config hub.toml members list

step "Starting lls-hub on loopback"
"$HUB" --config hub.toml run 2> hub.log &
HUB_PID=$!
for _ in $(seq 100); do [ -s hub/ingest.endpoint ] && break; sleep 0.05; done
ENDPOINT=$(cat hub/ingest.endpoint)
echo "  listening on $ENDPOINT (log: demo/run/hub.log)"

for trust in leeds:RR8 york:RCB; do
  name=${trust%%:*}; org=${trust##*:}
  cat > "node-$name.toml" <<TOML
[node]
organisation = "$org"
key = "keys/trust-$name.secret"
data_dir = "node-$name"
[hub]
endpoint = "$ENDPOINT"
public_key = "keys/lls-north.public"
TOML
done

cat > summary.json <<'JSON'
{
  "project": {"id": "SFP-2026-01", "title": "Smoke-free pregnancy pathway",
              "area": "smoke-free-pregnancy", "aim": "Halve smoking at time of delivery by 2027",
              "change_ideas": ["CO monitoring at every antenatal contact", "Opt-out referral"],
              "pdsa_cycles": 4, "stage": "testing", "start_month": "2026-01"},
  "measures": [
    {"code": "SATOD", "period": "2026-01", "numerator": 23, "denominator": 212},
    {"code": "SATOD", "period": "2026-02", "numerator": 19, "denominator": 198},
    {"code": "SATOD", "period": "2026-03", "numerator": 6,  "denominator": 205},
    {"code": "CO_BOOKING", "period": "2026-03", "numerator": 201, "denominator": 205}
  ]
}
JSON

step "Both trusts import the same summary (disclosure control applied at import)"
for name in leeds york; do
  printf '  trust-%s: ' "$name"; "$NODE" --config "node-$name.toml" import summary.json
done

step "trust-leeds publishes (enrolled)"
"$NODE" --config node-leeds.toml publish --wait 10 || true

step "trust-york publishes (not enrolled: refused at the CURVE/ZAP handshake)"
"$NODE" --config node-york.toml publish --wait 10 || true
echo "  trust-york's message stays queued in its outbox:"
"$NODE" --config node-york.toml status | sed 's/^/    /'

step "What the hub stored"
"$HUB" --config hub.toml status
sqlite3 hub/hub.db "SELECT writefile('message-1.env', envelope) FROM log WHERE hub_seq = 1" >/dev/null
echo "  the stored envelope, decoded and verified by 'lls inspect':"
"$LLS" inspect message-1.env | sed 's/^/    /'

if [ "$ONCE" = 1 ]; then
  step "Done (--once): stopping the hub"
  exit 0
fi
step "The hub keeps running on $ENDPOINT; press Ctrl-C to stop it"
wait "$HUB_PID"
