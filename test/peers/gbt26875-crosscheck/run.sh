#!/usr/bin/env bash
# Cross-check of our GB/T 26875.3 codec against an independent one, the Go package
# github.com/shootingfans/codec_gb26875_3_2011 (MIT): 1000 random frames of the 13 upload types, encoded by
# us, decoded there field by field, and encoded there again to the same bytes. Not part of CI (it needs
# that repository and a Go toolchain); run by hand:
#   apt-get install golang-go golang-golang-x-text-dev golang-github-valyala-bytebufferpool-dev
#   bash test/peers/gbt26875-crosscheck/run.sh /path/to/codec_gb26875_3_2011 checkout
set -euo pipefail
src=${1:?usage: run.sh PATH-TO-codec_gb26875_3_2011}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -f "$src/HEAD" ] && [ ! -d "$src/.git" ]; then git -C "$src" archive HEAD | tar -x -C "$work"; else cp -r "$src"/. "$work/"; fi
# Offline build: the module's two dependencies from Debian's packages.
cp -r /usr/share/gocode/src/github.com/valyala/bytebufferpool "$work/bbp"
echo 'module github.com/valyala/bytebufferpool' > "$work/bbp/go.mod"
cp -r /usr/share/gocode/src/golang.org/x/text "$work/xtext"
printf 'module golang.org/x/text\n\ngo 1.17\n' > "$work/xtext/go.mod"
cat > "$work/go.mod" <<'MOD'
module github.com/shootingfans/codec_gb26875_3_2011

go 1.16

require (
	github.com/valyala/bytebufferpool v1.0.0
	golang.org/x/text v0.8.0
)

replace github.com/valyala/bytebufferpool => ./bbp

replace golang.org/x/text => ./xtext
MOD
rm -f "$work/go.sum"
mkdir -p "$work/cmd/xcheck"
cp "$here/xcheck.go" "$work/cmd/xcheck/main.go"
(cd "$work" && GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off go build -o xcheck ./cmd/xcheck)
(cd "$root" && npm run build >/dev/null)
cd "$work"
JX_ROOT="$root" node "$here/gen.mjs"
TZ=UTC ./xcheck < frames.hex > go.jsonl
node "$here/compare.mjs"
TZ=UTC ./xcheck reencode < frames.hex > go.hex
if cmp -s frames.hex go.hex; then echo "the Go encoder writes the same bytes for all $(wc -l < frames.hex) frames"; else echo "encoders differ"; exit 1; fi
