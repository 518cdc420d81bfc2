#!/bin/sh
# Builds the default task image with no container registry: the CLIs are installed with npm on
# this machine (stage-clis.sh, pinned versions), the base is the locally made Debian + Node image.
#
#   docker/task-images/default/build.sh [tag]        default tag: oz-task-default:latest
#
# Environment: BASE_IMAGE (default oz-node-base:<node major>, built by docker/base/build.sh when
# missing; node:24-bookworm-slim where a registry is reachable); OZ_TASK_CLIS (default
# "claude codex npm"; add gemini for the Gemini CLI). It is big (about 1.2 GB, most of it the two
# CLIs' native binaries), so docker/build-images.sh builds it only when asked (task-default).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
tag=${1:-oz-task-default:latest}
say() { printf 'oz-task-default: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

docker info >/dev/null 2>&1 || die "no Docker engine answers"
[ -x "$repo/node_modules/node/bin/node" ] || die "run npm ci first (node_modules/node is missing)"
node_version=$("$repo/node_modules/node/bin/node" --version | sed 's/^v//')
default_base="oz-node-base:${node_version%%.*}"
BASE_IMAGE=${BASE_IMAGE:-$default_base}
if [ "$BASE_IMAGE" = "$default_base" ] && ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  say "base image $BASE_IMAGE is missing: docker/base/build.sh"
  "$repo/docker/base/build.sh" "$BASE_IMAGE"
fi

started=$(date +%s)
context=$repo/dist/task-images/default
clis=${OZ_TASK_CLIS:-claude codex npm}
# shellcheck disable=SC2086 # a list of CLI names
"$here/stage-clis.sh" "$context/clis" $clis
cp "$here/Dockerfile" "$context/Dockerfile"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
say "docker build $tag (base $BASE_IMAGE)"
docker build --build-arg BASE_IMAGE="$BASE_IMAGE" --build-arg CLIS="$clis" -t "$tag" "$context" >"$log" 2>&1 ||
  { tail -40 "$log" >&2; die "docker build failed"; }
say "built $tag in $(($(date +%s) - started)) s ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
