#!/usr/bin/env bash
# Another Node.js LTS line, for running the suite, the gateway and the tests on it:
#   scripts/ensure-node.sh 22|24     prints the directory holding its `node` (put it first on PATH)
# The binaries come from the npm registry's `node-linux-<arch>` package (the official Node.js
# builds), installed once into $VDB_NODE_CACHE (default ~/.cache/vdb-readiness/node), outside
# node_modules so that `npm ci` keeps them. npm itself is the one already installed: it runs on
# whichever `node` is first on PATH.
#   PATH="$(scripts/ensure-node.sh 24):$PATH" npm ci && PATH=… npm run test:unit
set -euo pipefail

# The pinned release of each line the project runs on (CI: 20 is the machine's, 24 below).
declare -A PINNED=([22]=22.23.5 [24]=24.22.3)

line=${1:-}
if [ -z "$line" ] || [ -z "${PINNED[$line]:-}" ]; then
  echo "usage: scripts/ensure-node.sh <line>   (one of: 22, 24)" >&2
  exit 2
fi
version=${PINNED[$line]}
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "error: no node-linux package for $(uname -m): install Node.js $line yourself and put it first on PATH" >&2; exit 4 ;;
esac
if [ "$(uname -s)" != Linux ]; then
  echo "error: the node-linux-$arch package is for Linux: install Node.js $line yourself and put it first on PATH" >&2
  exit 4
fi

dir=${VDB_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vdb-readiness/node}/$version
bin=$dir/node_modules/node-linux-$arch/bin
if [ ! -x "$bin/node" ] || [ "$("$bin/node" -v 2>/dev/null)" != "v$version" ]; then
  command -v npm >/dev/null || { echo "error: npm is not on PATH: install Node.js 20.18+ first" >&2; exit 4; }
  echo "node $version: installing node-linux-$arch@$version from the npm registry into $dir" >&2
  mkdir -p "$dir"
  if ! npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-$arch@$version" >&2; then
    echo "error: could not install node-linux-$arch@$version: check that the npm registry is reachable (npm ping)" >&2
    exit 3
  fi
fi
echo "$bin"
