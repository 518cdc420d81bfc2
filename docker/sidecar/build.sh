#!/bin/sh
# Builds the sidecar image with no registry: FROM scratch plus this machine's statically linked
# busybox (Debian's busybox-static), its applet links, an /etc/passwd with root, and the scripts.
#
#   docker/sidecar/build.sh [tag]        default tag: oz-sidecar:latest
#
# The busybox binary decides the image's architecture: it is the build machine's unless
# OZ_BUSYBOX names another one (e.g. /bin/busybox from busybox-static_<version>_arm64.deb, unpacked
# with dpkg-deb -x) and OZ_SIDECAR_PLATFORM says which (linux/arm64). Build once per architecture
# and join them with `docker manifest create` for a multi-arch tag (docker/sidecar/README.md).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tag=${1:-oz-sidecar:latest}
say() { printf 'oz-sidecar: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

busybox=${OZ_BUSYBOX:-$(command -v busybox || true)}
if [ -z "$busybox" ] || [ ! -x "$busybox" ]; then die "no busybox (apt-get install busybox-static, or set OZ_BUSYBOX)"; fi
busybox=$(readlink -f "$busybox")
if command -v ldd >/dev/null 2>&1 && [ -z "${OZ_SIDECAR_PLATFORM:-}" ]; then
  # A dynamically linked busybox (Debian's `busybox` package) would not run in task images.
  if ldd "$busybox" >/dev/null 2>&1; then die "$busybox is dynamically linked: the sidecar needs busybox-static"; fi
fi
docker info >/dev/null 2>&1 || die "no Docker engine answers"

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
root=$context/rootfs
mkdir -p "$root/bin" "$root/etc"
cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
# The applet links, relative, so that they work wherever the root lands (/agent/bin/sh → busybox).
# A foreign busybox cannot run here: its list comes from this machine's (same Debian version).
list=$busybox
[ -z "${OZ_SIDECAR_PLATFORM:-}" ] || list=$(command -v busybox)
for applet in $("$list" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
install -m 0755 "$here/entrypoint.sh" "$root/entrypoint.sh"
install -m 0755 "$here/git-credential.sh" "$root/git-credential.sh"
install -m 0755 "$here/oz-room" "$root/oz-room"
cp "$here/Dockerfile" "$context/Dockerfile"

started=$(date +%s)
docker build ${OZ_SIDECAR_PLATFORM:+--platform "$OZ_SIDECAR_PLATFORM"} -t "$tag" "$context" >"$context/build.log" 2>&1 ||
  { tail -20 "$context/build.log" >&2; die "docker build failed"; }
say "built $tag in $(($(date +%s) - started)) s: $(docker image inspect -f '{{.Os}}/{{.Architecture}}, {{.Size}} bytes' "$tag")"
