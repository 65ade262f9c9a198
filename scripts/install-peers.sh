#!/usr/bin/env bash
# Installs the peer runtimes the suite and the tests compare against, when
# they are missing: Twisted (Debian's python3-twisted), Node.js, graphviz
# (its dot renders the SVG of each CPU profile `run -profile` records), perf
# (Debian's linux-perf: the kernel's count of each server's system calls) and
# Chromium (for the report's browser test). Fails loudly if it cannot.
set -euo pipefail

need=()
/usr/bin/python3 -c 'import twisted' 2>/dev/null || need+=(python3-twisted)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v dot >/dev/null 2>&1 || need+=(graphviz)
command -v perf >/dev/null 2>&1 || need+=(linux-perf)
if [ "${1:-}" = "--with-browser" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-peers: missing ${need[*]} and no apt-get here; install them by hand" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-peers: installing ${need[*]}" >&2
$sudo apt-get update -q >&2 || { echo "install-peers: apt-get update failed" >&2; exit 1; }
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}" >&2 \
  || { echo "install-peers: apt-get install ${need[*]} failed" >&2; exit 1; }
/usr/bin/python3 -c 'import twisted' || { echo "install-peers: python3 still cannot import twisted" >&2; exit 1; }
command -v dot >/dev/null || { echo "install-peers: graphviz's dot is still missing" >&2; exit 1; }
