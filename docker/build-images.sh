#!/bin/sh
# Builds every Oz image from this checkout with no registry:
#
#   docker/build-images.sh [image …]      images: control-plane workspace worker sidecar postgres redis edge
#                                         (default: all of them), and task-default, the default task
#                                         image (about 1.2 GB, so only when named)
#
# 1. the Node base image (docker/base/build.sh) when NODE_IMAGE is the local default and it is
#    missing or holds another Node version than the `node` devDependency;
# 2. the apps with Nx (control plane, workspace API, worker, and the dashboard when the
#    workspace-web project exists);
# 3. one build context per app under dist/docker/ (docker/stage-app.mjs), then the images.
#
# Environment: OZ_IMAGE_TAG (default latest) tags the app and datastore images; NODE_IMAGE
# (default oz-node-base:<node major>) is the base of every image, e.g. node:24-bookworm-slim where
# a registry is reachable; OZ_BUILD_WEB=0 leaves the dashboard out of the workspace image. The
# sidecar is always oz-sidecar:latest, the control plane's default (docker/sidecar/build.sh: FROM
# scratch with this machine's static busybox); task-default is oz-task-default:<tag>
# (docker/task-images/default/build.sh).
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# npm and the scripts run on the Node of the `node` devDependency, as npm scripts do.
PATH="$repo/node_modules/node/bin:$repo/node_modules/.bin:$PATH"
export PATH

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build-images: %s\n' "$*" >&2; exit 1; }

[ -x node_modules/node/bin/node ] || die "run npm ci first (node_modules/node is missing)"
docker info >/dev/null 2>&1 || die "no Docker engine answers (is dockerd running, may this user use it?)"

node_version=$(node --version | sed 's/^v//')
default_base="oz-node-base:${node_version%%.*}"
NODE_IMAGE=${NODE_IMAGE:-$default_base}
tag=${OZ_IMAGE_TAG:-latest}
all="control-plane workspace worker sidecar postgres redis edge"
images=${*:-$all}
for image in $images; do
  case " $all task-default " in *" $image "*) ;; *) die "unknown image '$image' (images: $all task-default)" ;; esac
done
wants() { case " $images " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# docker build, quietly; its output is shown when it fails.
build() {
  name=$1
  shift
  started=$(date +%s)
  if ! docker build "$@" >"$log" 2>&1; then
    tail -40 "$log" >&2
    die "building $name failed"
  fi
  say "$name built in $(($(date +%s) - started)) s"
}

if [ "$NODE_IMAGE" = "$default_base" ]; then
  have=$(docker image inspect -f '{{ index .Config.Labels "oz.node.version" }}' "$NODE_IMAGE" 2>/dev/null || true)
  if [ "$have" != "$node_version" ]; then
    say "base image $NODE_IMAGE (Node $node_version)"
    docker/base/build.sh "$NODE_IMAGE"
  fi
fi

apps=
if wants control-plane; then apps="$apps control-plane"; fi
if wants workspace; then apps="$apps workspace-api"; fi
if wants worker; then apps="$apps worker"; fi
if [ -n "$apps" ]; then
  say "nx build:$apps"
  # shellcheck disable=SC2086 # a list of project names
  npx nx run-many -t build -p $apps --outputStyle=static >"$log" 2>&1 || { tail -60 "$log" >&2; die "nx build failed"; }
fi
web=dist/apps/workspace-web/browser
if wants workspace; then
  case ${OZ_BUILD_WEB:-auto} in
    0 | false | no)
      say "dashboard not built (OZ_BUILD_WEB=${OZ_BUILD_WEB}): the workspace image serves the API only"
      web= ;;
    *)
      if npx nx show projects 2>/dev/null | grep -qx workspace-web; then
        say "nx build workspace-web"
        npx nx build workspace-web --outputStyle=static >"$log" 2>&1 ||
          { tail -60 "$log" >&2; die "the dashboard (workspace-web) does not build; OZ_BUILD_WEB=0 builds the workspace image without it"; }
      fi ;;
  esac
fi

# app image name, Nx project, docker/ folder
stage_and_build() {
  image=$1 project=$2 folder=$3
  shift 3
  context=dist/docker/$image
  node docker/stage-app.mjs "$project" "$context" "$@"
  if [ "$image" = worker ]; then cp docker/worker/healthcheck.cjs "$context/healthcheck.cjs"; fi
  build "oz-$image:$tag" -f "docker/$folder/Dockerfile" --build-arg NODE_IMAGE="$NODE_IMAGE" -t "oz-$image:$tag" "$context"
}
if wants control-plane; then stage_and_build control-plane control-plane control-plane; fi
if wants workspace; then stage_and_build workspace workspace-api workspace --web "$web"; fi
if wants worker; then stage_and_build worker worker worker; fi
if wants sidecar; then
  started=$(date +%s)
  docker/sidecar/build.sh oz-sidecar:latest 2>"$log" || { cat "$log" >&2; die "building oz-sidecar:latest failed"; }
  say "oz-sidecar:latest built in $(($(date +%s) - started)) s"
fi
if wants task-default; then
  started=$(date +%s)
  BASE_IMAGE=$NODE_IMAGE docker/task-images/default/build.sh "oz-task-default:$tag" 2>"$log" || { cat "$log" >&2; die "building oz-task-default:$tag failed"; }
  say "oz-task-default:$tag built in $(($(date +%s) - started)) s"
fi
for datastore in postgres redis edge; do
  if wants "$datastore"; then
    build "oz-$datastore:$tag" --build-arg DEBIAN_IMAGE="$NODE_IMAGE" -t "oz-$datastore:$tag" "docker/$datastore"
  fi
done

printf '\n%-28s %10s\n' IMAGE SIZE
for image in $images; do
  name=oz-$image:$tag
  if [ "$image" = sidecar ]; then name=oz-sidecar:latest; fi
  printf '%-28s %7s MB\n' "$name" "$(docker image inspect -f '{{.Size}}' "$name" | awk '{ printf "%.1f", $1 / 1e6 }')"
done
printf '%-28s %7s MB  (shared by all of the above)\n' "$NODE_IMAGE" "$(docker image inspect -f '{{.Size}}' "$NODE_IMAGE" | awk '{ printf "%.0f", $1 / 1e6 }')"
