#!/bin/sh
# Builds the Node base image every Oz image starts from, with no container registry: Debian bookworm
# (debootstrap, variant minbase, with the current security updates) plus the Node binary that the
# repository's `node` devDependency installed, imported with `docker import`.
#
#   docker/base/build.sh [tag]        default tag: oz-node-base:<node major>, also tagged <full version>
#
# Needs root, debootstrap and the Debian mirror (DEBIAN_MIRROR overrides debootstrap's default;
# DEBIAN_SECURITY_MIRROR the security archive, derived from it otherwise). Where a registry is
# reachable you do not need this image: build with --build-arg NODE_IMAGE=node:24-bookworm-slim.
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
say() { printf 'oz-base: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

node_bin=${OZ_NODE_BINARY:-$repo/node_modules/node/bin/node}
[ -x "$node_bin" ] || die "no Node binary at $node_bin (run npm ci first, or set OZ_NODE_BINARY)"
node_version=$("$node_bin" --version | sed 's/^v//')
node_major=${node_version%%.*}
tag=${1:-oz-node-base:$node_major}
repository=${tag%:*}

[ "$(id -u)" -eq 0 ] || die "debootstrap needs root (run as root, or build with NODE_IMAGE=node:$node_major-bookworm-slim)"
command -v debootstrap >/dev/null 2>&1 || die "debootstrap is missing (apt-get install debootstrap)"
docker info >/dev/null 2>&1 || die "no Docker engine answers"

work=$(mktemp -d)
cleanup() {
  for mount in proc sys; do
    if mountpoint -q "$work/rootfs/$mount" 2>/dev/null; then umount "$work/rootfs/$mount" || true; fi
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
rootfs=$work/rootfs

say "debootstrap bookworm (minbase)"
# shellcheck disable=SC2086 # the mirror is optional: one word or none
debootstrap --variant=minbase bookworm "$rootfs" ${DEBIAN_MIRROR:-} >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }

# Sources for derived images (and the upgrade below): the mirror debootstrap used, its updates suite
# and the security archive.
mirror=$(awk '$1 == "deb" { print $2; exit }' "$rootfs/etc/apt/sources.list")
security=${DEBIAN_SECURITY_MIRROR:-${mirror%/}-security}
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

# Like Debian's slim images: derived images install no documentation and keep no apt caches.
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/oz-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
cat >"$rootfs/etc/apt/apt.conf.d/oz-slim" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
EOF

say "security updates"
mount -t proc proc "$rootfs/proc"
chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c \
  'apt-get update && apt-get upgrade -y && apt-get clean' >"$work/upgrade.log" 2>&1 ||
  { tail -20 "$work/upgrade.log" >&2; die "apt-get upgrade in the new root failed"; }
umount "$rootfs/proc"

say "node $node_version and the node user (uid 1000, like the official node images)"
if command -v strip >/dev/null 2>&1; then
  strip -o "$rootfs/usr/local/bin/node" "$node_bin" # drops ~18 MB of symbols
else
  say "strip (binutils) not found: copying the Node binary unstripped"
  cp "$node_bin" "$rootfs/usr/local/bin/node"
fi
chmod 0755 "$rootfs/usr/local/bin/node"
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/sh --create-home node
chroot "$rootfs" /usr/local/bin/node -e 'process.exit(0)' || die "the Node binary does not run in the new root"

# What the slim excludes above would have kept out, and files of this machine.
rm -rf "$rootfs/var/lib/apt/lists/"* "$rootfs/var/cache/apt/"* "$rootfs/var/log/"* "$rootfs/tmp/"* \
  "$rootfs/usr/share/man/"* "$rootfs/usr/share/info/"* "$rootfs/usr/share/lintian" \
  "$rootfs/etc/resolv.conf" "$rootfs/etc/hostname" "$rootfs/etc/machine-id"
find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
: >"$rootfs/etc/machine-id"
chmod 1777 "$rootfs/tmp"

say "docker import $tag"
tar --numeric-owner -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$node_version" \
  --change 'ENV LANG=C.UTF-8' \
  --change "LABEL org.opencontainers.image.title=oz-node-base oz.node.version=$node_version" \
  --change 'CMD ["node"]' \
  - "$tag" >/dev/null
docker tag "$tag" "$repository:$node_version"
say "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
