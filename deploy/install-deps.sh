#!/usr/bin/env bash
# Installs the Debian 12 packages LLS Exchange builds and runs with, if any are missing.
# Used by tests/run.sh (everything) and deploy/demo.sh (LLS_DEPS=build: what builds and runs). Needs root or sudo only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libzmq3-dev cppzmq-dev          # ZeroMQ and its C++ binding
  capnproto libcapnp-dev libssl-dev  # Cap'n Proto (its CMake config wants OpenSSL)
  libsqlite3-dev sqlite3          # storage; the sqlite3 shell for operators
  libsodium-dev                   # Ed25519, X25519, BLAKE2b
  catch2                          # tests (v2)
  libcli11-dev nlohmann-json3-dev libtomlplusplus-dev
  libcpp-httplib-dev              # the hub's dashboard (HTTP server)
  jq                              # deploy/demo.sh reads the simulator's manifest and reports
  mosquitto libmosquitto-dev openssl  # `lls bench` measures Mosquitto 2 beside the hub (TLS)
)
# Only the tests need these: the browser test renders the dashboard in Debian's chromium and
# checks the screenshot's colours (PIL), and the /metrics test parses the scrape with the
# Prometheus project's own Python parser. clang and its runtime libraries (libFuzzer, ASan,
# UBSan) build the fuzz harnesses that tests/fuzz/run.sh runs.
if [ "${LLS_DEPS:-all}" = "all" ]; then
  PACKAGES+=(chromium fonts-dejavu-core python3-prometheus-client python3-pil)
  PACKAGES+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing Debian packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
