#!/bin/sh
# Builds the image the worker tests run tasks in, from this machine's own binaries (no registry is
# needed): busybox for /bin/sh and the usual tools, and git (with the libraries it links) so the
# sidecar can clone file:// repositories.   Usage: docker/test-task/build.sh [tag]
set -eu
tag=${1:-oz-test-task:latest}
busybox=$(command -v busybox) || { echo "busybox is required (apt-get install busybox-static)" >&2; exit 1; }
git=$(command -v git) || { echo "git is required" >&2; exit 1; }
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/root/bin" "$context/root/usr/bin" "$context/root/usr/lib/git-core" "$context/root/tmp" "$context/root/etc"
cp "$busybox" "$context/root/bin/busybox"
cp "$git" "$context/root/usr/bin/git"
ln -s ../../bin/git "$context/root/usr/lib/git-core/git"
ln -s /usr/bin/git "$context/root/usr/lib/git-core/git-upload-pack"
# The shared libraries git needs, at the same paths, and the dynamic loader.
for library in $(ldd "$git" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }'); do
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
