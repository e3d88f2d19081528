#!/bin/bash
# One-shot set-up of the Docker demo region (compose.yaml's "init" service): a national hub
# "england", two LLS hubs (lls-north, lls-south) each with two trusts, synthetic figures.
# For each participant, in its own volume mounted at /init/NAME: keys/NAME.secret (0600) and
# keys/NAME.public from `lls keygen`, the peers' .public files it needs, lls.toml, and data/.
# Then it enrols every member at its hub and drops a synthetic export (JSON) into each trust's
# drop folder, which its lls-node imports and publishes when it starts.
#
# DEMO ONLY: here one container makes every key. In a real deployment each participant runs
# `lls keygen` on its own machine, the secret never leaves it, and only .public files are
# exchanged, with their fingerprints checked (docs/operations.md, "Key ceremony").
# Runs as root (fresh named volumes are root-owned) and hands everything to uid 10001 (lls).
# Safe to run again: it does nothing once /init/england/keys/england.secret exists.
set -euo pipefail
ROOT=${LLS_INIT_ROOT:-/init}   # another root only to try the script outside Docker
umask 022

if [ -e "$ROOT/england/keys/england.secret" ]; then
  echo "demo region already initialised"; exit 0
fi

keygen() {  # keygen NAME: the participant's key pair in its own volume
  lls keygen --name "$1" --out "$ROOT/$1/keys" >/dev/null
  echo "keys: $ROOT/$1/keys/$1.secret (0600), $1.public"
}
give() {  # give FROM TO: copy FROM's public key into TO's keys folder (the out-of-band step)
  cp "$ROOT/$1/keys/$1.public" "$ROOT/$2/keys/$1.public"
}

hub_config() {  # hub_config NAME DASHBOARD_PORT [PARENT]
  local name=$1 port=$2 parent=${3:-}
  {
    printf '[hub]\nname = "%s"\nkey = "keys/%s.secret"\ndata_dir = "data"\n' "$name" "$name"
    printf '[ingest]\nendpoint = "tcp://0.0.0.0:7401"\n'
    printf '[subscribe]\nendpoint = "tcp://0.0.0.0:7402"\n'
    if [ -n "$parent" ]; then
      printf '[parent]\nendpoint = "tcp://%s:7401"\npublic_key = "keys/%s.public"\n' "$parent" "$parent"
      printf 'subscribe_endpoint = "tcp://%s:7402"\n' "$parent"
      printf '[targets]\nSATOD = 6.0\n'
    fi
    # 0.0.0.0 inside the container; compose publishes the port on the host's 127.0.0.1 only,
    # under the SAME number (127.0.0.1:7481:7481): the dashboard answers only a Host header
    # naming its own port (DNS-rebinding guard, docs/dashboard.md), so a browser's
    # "Host: 127.0.0.1:7481" is refused by a dashboard bound to 7480 inside the container.
    # lls-healthcheck reads this port from lls.toml.
    printf '[dashboard]\naddress = "0.0.0.0"\nport = %s\n' "$port"
  } >"$ROOT/$name/lls.toml"
}

node_config() {  # node_config NAME ODS HUB
  local name=$1 ods=$2 hub=$3
  mkdir -p "$ROOT/$name/data/exports"
  printf '[node]\norganisation = "%s"\nkey = "keys/%s.secret"\ndata_dir = "data"\n' "$ods" "$name" \
    >"$ROOT/$name/lls.toml"
  printf '[hub]\nendpoint = "tcp://%s:7401"\nsubscribe_endpoint = "tcp://%s:7402"\npublic_key = "keys/%s.public"\n' \
    "$hub" "$hub" "$hub" >>"$ROOT/$name/lls.toml"
  printf '[drop]\nfolder = "data/exports"\npoll_seconds = 5\n' >>"$ROOT/$name/lls.toml"
}

export_file() {  # export_file NAME ODS SEED: 18 months of SATOD and CO_BOOKING counts (synthetic)
  local name=$1 ods=$2 seed=$3 first=1 m year month deliveries smokers screened
  local file="$ROOT/$name/data/exports/$ods-export.json"
  {
    printf '{"projects": [{"id": "SFP-%s", "title": "Smoke-free pregnancy pathway", ' "$ods"
    printf '"area": "smoke-free-pregnancy", "aim": "Halve smoking at time of delivery", '
    printf '"change_ideas": ["CO monitoring at every contact", "Opt-out referral"], '
    printf '"pdsa_cycles": 4, "stage": "testing", "start_month": "2025-01"}],\n "measures": ['
    for m in $(seq 0 17); do
      year=$((2025 + m / 12)); month=$((m % 12 + 1))
      deliveries=$((180 + (seed * 37 + m * 53) % 60))
      smokers=$((deliveries * (11 - m / 4) / 100 + (seed + m * 7) % 5))
      screened=$((deliveries - 3 - (seed + m) % 9))
      [ $first = 1 ] || printf ',\n'
      first=0
      printf '  {"project": "SFP-%s", "code": "SATOD", "period": "%04d-%02d", "numerator": %d, "denominator": %d},\n' \
        "$ods" "$year" "$month" "$smokers" "$deliveries"
      printf '  {"project": "SFP-%s", "code": "CO_BOOKING", "period": "%04d-%02d", "numerator": %d, "denominator": %d}' \
        "$ods" "$year" "$month" "$screened" "$deliveries"
    done
    printf ']}\n'
  } >"$file.part"
  mv "$file.part" "$file"   # the drop folder ignores *.part until it is renamed
}

for name in england lls-north lls-south trust-leeds trust-york trust-bristol trust-exeter; do
  keygen "$name"
done

# Dashboard ports: the ones compose.yaml publishes on the host (same number both sides).
hub_config england 7480
hub_config lls-north 7481 england
hub_config lls-south 7482 england
give england lls-north
give england lls-south

lls-hub --config "$ROOT/england/lls.toml" members enrol --key "$ROOT/lls-north/keys/lls-north.public" \
  --org LLSN --role hub --lls lls-north --display-name "North LLS hub" --actor demo-init
lls-hub --config "$ROOT/england/lls.toml" members enrol --key "$ROOT/lls-south/keys/lls-south.public" \
  --org LLSS --role hub --lls lls-south --display-name "South LLS hub" --actor demo-init

seed=1
for entry in trust-leeds:RR8:lls-north trust-york:RCB:lls-north \
             trust-bristol:RA7:lls-south trust-exeter:RH8:lls-south; do
  IFS=: read -r name ods hub <<<"$entry"
  give "$hub" "$name"
  node_config "$name" "$ods" "$hub"
  lls-hub --config "$ROOT/$hub/lls.toml" members enrol --key "$ROOT/$name/keys/$name.public" \
    --org "$ods" --role trust --actor demo-init
  export_file "$name" "$ods" "$seed"
  seed=$((seed + 1))
done

# Everything belongs to the service user; secret keys stay 0600.
chown -R 10001:10001 "$ROOT"/*
chmod 0700 "$ROOT"/*/keys
echo "demo region initialised"
