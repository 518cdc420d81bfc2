#!/bin/sh
# Builds the images the worker tests run tasks in, from this machine's own binaries (no registry is
# needed):
#
#   docker/test-task/build.sh [tag]          default oz-test-task:latest
#
# busybox for /bin/sh and the usual tools; git with its http transport (git-remote-http), and the
# libraries they link, so the sidecar can clone file:// repositories and a test's git server on
# loopback; and what a harness CLI's native binary needs (claude-code links librt, libpthread, libdl
# and libm, and its Bash tool wants bash), so a test can mount a real CLI into a task container.
# `docker/test-task/build.sh --bare TAG` builds an image with no shell at all (only /etc/passwd):
# the sidecar's entrypoint must run there too.
set -eu
if [ "${1:-}" = --bare ]; then
  docker build -q -t "${2:-oz-test-bare:latest}" "$(dirname "$0")/bare" >/dev/null
  exit 0
fi
tag=${1:-oz-test-task:latest}
busybox=$(command -v busybox) || { echo "busybox is required (apt-get install busybox-static)" >&2; exit 1; }
git=$(command -v git) || { echo "git is required" >&2; exit 1; }
bash=$(command -v bash) || { echo "bash is required" >&2; exit 1; }
git_core=$(git --exec-path)
[ -x "$git_core/git-remote-http" ] || { echo "git-remote-http is missing from $git_core" >&2; exit 1; }
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/root/bin" "$context/root/usr/bin" "$context/root/usr/lib/git-core" "$context/root/tmp" "$context/root/etc"
cp "$busybox" "$context/root/bin/busybox"
cp "$git" "$context/root/usr/bin/git"
cp "$bash" "$context/root/bin/bash"
cp "$git_core/git-remote-http" "$context/root/usr/lib/git-core/git-remote-http"
ln -s ../../bin/git "$context/root/usr/lib/git-core/git"
ln -s /usr/bin/git "$context/root/usr/lib/git-core/git-upload-pack"
ln -s git-remote-http "$context/root/usr/lib/git-core/git-remote-https"
# The shared libraries git, git-remote-http and bash need, at the same paths, and the dynamic loader.
libraries=$( (ldd "$git"; ldd "$git_core/git-remote-http"; ldd "$bash") | awk '/=>/ { print $3 } /ld-linux/ { print $1 }' | sort -u)
for name in librt.so.1 libpthread.so.0 libdl.so.2 libm.so.6; do
  libraries="$libraries $(ldconfig -p | awk -v name="$name" '$1 == name && /x86-64|AArch64|aarch64/ { print $NF; exit }')"
done
for library in $libraries; do
  mkdir -p "$context/root$(dirname "$library")"
  cp -L "$library" "$context/root$library"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$context/root/etc/passwd"
cat > "$context/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY root/ /
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/usr/bin:/bin HOME=/root
CMD ["/bin/sh"]
DOCKERFILE
docker build -q -t "$tag" "$context"
