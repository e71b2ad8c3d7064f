#!/usr/bin/env bash
# Builds the upstream binaries the test bed runs, from their Go modules through the Go module
# proxy (no release download is reachable here), into a cache outside the repository:
#   $STRATA_CACHE_DIR/bin/<component>-<version>/
# A component whose folder exists is not rebuilt; each is built in a temporary folder and
# renamed into place only when complete, so an interrupted build leaves nothing half-made.
#
# Usage: testbed/build-binaries.sh [kubernetes] [etcd] [kwok] [minio] [restic] [helm] [csi] [registry]   (default: all)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
cache=${STRATA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/strata}
bindir=$cache/bin
mkdir -p "$bindir"

export GOFLAGS="${GOFLAGS:-} -trimpath -buildvcs=false"
export CGO_ENABLED=0
ldflags="-s -w"

log() { printf '[build-binaries] %s\n' "$*" >&2; }

# build NAME VERSION GO_MOD MAIN_GO PKG@VERSION... — in a scratch module with the given go.mod
# (and, if MAIN_GO is not empty, a ./cmd/NAME main package), `go get`s each PKG@VERSION and
# builds the named packages; ./cmd/NAME stands for the local main. A `mod:MODULE@VERSION`
# argument only pins a dependency's version and builds nothing.
build() {
  local name=$1 version=$2 gomod=$3 maingo=$4
  shift 4
  local dest=$bindir/$name-$version-r$BUILD_REVISION
  if [ -d "$dest" ]; then
    log "$name $version: cached in $dest"
    return 0
  fi
  local work
  work=$(mktemp -d "$bindir/.build-$name-XXXXXX")
  mkdir -p "$work/src" "$work/out"
  printf '%s\n' "$gomod" >"$work/src/go.mod"
  local gets=() pkgs=()
  if [ -n "$maingo" ]; then
    mkdir -p "$work/src/cmd/$name"
    printf '%s\n' "$maingo" >"$work/src/cmd/$name/main.go"
    pkgs+=("./cmd/$name")
  fi
  local p
  for p in "$@"; do
    gets+=("${p#mod:}")
    [[ $p == mod:* ]] && continue
    pkgs+=("${p%@*}")
  done
  local start=$SECONDS
  log "$name $version: resolving modules"
  (cd "$work/src" && go get "${gets[@]}" >"$work/get.log" 2>&1) || { cat "$work/get.log" >&2; rm -rf "$work"; return 1; }
  log "$name $version: building ${pkgs[*]}"
  (cd "$work/src" && go build -ldflags "$ldflags ${extra_ldflags:-}" -o "$work/out/" "${pkgs[@]}") || { rm -rf "$work"; return 1; }
  mv "$work/out" "$dest"
  rm -rf "$work"
  log "$name $version: built in $((SECONDS - start))s -> $dest"
}

build_kubernetes() {
  local v=$KUBERNETES_VERSION staging="v0.${KUBERNETES_VERSION#v1.}"
  # k8s.io/kubernetes replaces its staging modules with local folders; a module that depends
  # on it must replace each with the matching published v0.Y.Z release instead.
  local mod replaces
  mod=$(cd "$(mktemp -d)" && go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
  replaces=$(sed -n 's#^\t\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\t\1 => \1 '"$staging"'#p' "$mod")
  # Stamp the version the way Kubernetes' own build does; clients read it from /version.
  local pkg stamp="" minor
  minor=$(echo "$v" | cut -d. -f2)
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    stamp+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  extra_ldflags=$stamp build kubernetes "$v" "module strata.testbed/kubernetes

go 1.26

replace (
$replaces
)" "" \
    "k8s.io/kubernetes/cmd/kube-apiserver@$v" "k8s.io/kubernetes/cmd/kube-controller-manager@$v" \
    "k8s.io/kubernetes/cmd/kube-scheduler@$v" "k8s.io/kubernetes/cmd/kubectl@$v"
}

build_etcd() {
  local v=$ETCD_VERSION
  # The etcd server's main package lives in etcd's root module, which is not published for
  # this version; etcdmain.Main is what that main calls.
  build etcd "$v" "module strata.testbed/etcd

go 1.26" 'package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }' \
    "go.etcd.io/etcd/server/v3/etcdmain@$v" "go.etcd.io/etcd/etcdctl/v3@$v" "go.etcd.io/etcd/etcdutl/v3@$v"
}

build_kwok() {
  build kwok "$KWOK_VERSION" "module strata.testbed/kwok

go 1.26" "" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
}

build_minio() {
  build minio "$MINIO_VERSION" "module strata.testbed/minio

go 1.26" "" "github.com/minio/minio@$MINIO_VERSION"
}

# helm renders the chart in deploy/helm/strata for the deployment test.
build_helm() {
  build helm "$HELM_VERSION" "module strata.testbed/helm

go 1.26" "" "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
}

# The CSI snapshot controller and the sidecars that drive a CSI driver's snapshots and volumes.
build_csi() {
  local v=$EXTERNAL_SNAPSHOTTER_VERSION
  build csi-snapshotter "$v" "module strata.testbed/csi-snapshotter

go 1.26" "" \
    "github.com/kubernetes-csi/external-snapshotter/v8/cmd/snapshot-controller@$v" \
    "github.com/kubernetes-csi/external-snapshotter/v8/cmd/csi-snapshotter@$v" \
    "mod:github.com/kubernetes-csi/external-snapshotter/client/v8@$v"
  build csi-provisioner "$EXTERNAL_PROVISIONER_VERSION" "module strata.testbed/csi-provisioner

go 1.26" "" "github.com/kubernetes-csi/external-provisioner/v6/cmd/csi-provisioner@$EXTERNAL_PROVISIONER_VERSION"
}

build_restic() {
  build restic "$RESTIC_VERSION" "module strata.testbed/restic

go 1.26" "" "github.com/restic/restic/cmd/restic@$RESTIC_VERSION"
}

# The CNCF distribution registry v3 beside Debian's 2.8.2, and regctl for the registry benchmark.
build_registry() {
  build distribution "$DISTRIBUTION_VERSION" "module strata.testbed/distribution

go 1.26" "" "github.com/distribution/distribution/v3/cmd/registry@$DISTRIBUTION_VERSION"
  build regclient "$REGCLIENT_VERSION" "module strata.testbed/regclient

go 1.26" "" "github.com/regclient/regclient/cmd/regctl@$REGCLIENT_VERSION"
}

components=("$@")
[ ${#components[@]} -gt 0 ] || components=(etcd kubernetes kwok minio restic helm csi registry)
for c in "${components[@]}"; do
  case $c in
    kubernetes|etcd|kwok|minio|restic|helm|csi|registry) ;;
    *) log "unknown component '$c' (expected kubernetes, etcd, kwok, minio, restic, helm, csi or registry)"; exit 2 ;;
  esac
done

# Two lanes at once: while one waits on the module proxy or links (one core), the other
# compiles. Kubernetes, the longest, has a lane to itself with the CSI sidecars after it.
lane() {
  local c
  for c in "$@"; do "build_$c" || return 1; done
}
first=() second=()
for c in "${components[@]}"; do
  case $c in
    kubernetes|csi) first+=("$c") ;;
    *) second+=("$c") ;;
  esac
done
lane "${first[@]}" &
first_lane=$!
status=0
lane "${second[@]}" || status=$?
wait "$first_lane" || status=$?
exit "$status"
