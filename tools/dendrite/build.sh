#!/usr/bin/env bash
# Builds the Dendrite homeserver that Herald's Matrix tests run against, into
# a cache directory, and does nothing when the binaries are already there.
# internal/dendritetest builds the same binaries the same way on demand (and
# takes the same lock); CI calls this script first so the build shows up as
# its own step.
#
#   HERALD_TOOLS_CACHE  cache root (default ${XDG_CACHE_HOME:-~/.cache}/herald)
#   FORCE=1             rebuild even when the binaries exist
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
export GOFLAGS=-mod=mod GOWORK=off
version="$(go list -m -f '{{.Version}}' github.com/matrix-org/dendrite)"
cache="${HERALD_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/herald}"
root="$cache/dendrite-$version"
bin="$root/bin"
cmds=(dendrite generate-config generate-keys create-account)

mkdir -p "$bin"
exec 9>"$root/.lock"
echo "dendrite $version: waiting for the build lock $root/.lock"
flock 9

missing=()
for c in "${cmds[@]}"; do
	if [[ "${FORCE:-}" == 1 || ! -x "$bin/$c" ]]; then
		missing+=("$c")
	fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
	echo "dendrite $version: binaries already in $bin"
	exit 0
fi

tmp="$(mktemp -d "$root/build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
pkgs=()
for c in "${missing[@]}"; do
	pkgs+=("github.com/matrix-org/dendrite/cmd/$c")
done
echo "dendrite $version: go build ${missing[*]} in $here into $bin (takes minutes the first time)"
# -mod=mod: the tools module's go.sum is the only lock; Herald's go.mod is never touched.
go build -trimpath -o "$tmp/" "${pkgs[@]}"
for c in "${missing[@]}"; do
	mv -f "$tmp/$c" "$bin/$c"
done
echo "dendrite $version: built ${missing[*]}"
