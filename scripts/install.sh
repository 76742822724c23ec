#!/bin/sh
# Installs redux from a release: picks the archive for this machine (OS, CPU, musl or glibc, AVX2), verifies it against
# SHA256SUMS, and installs the multicall executable into PREFIX/bin with redux-chat, redux-test-model and redux-export
# linked to it. A checksum that does not match, or any other failure, leaves PREFIX untouched.
#
#   sh install.sh [--prefix DIR] [--version V] [--from DIR|URL] [--libc musl|glibc] [--target T]
#
#   --prefix DIR   install into DIR/bin (default /usr/local as root, else $HOME/.local)
#   --version V    which release (default: the newest one SHA256SUMS lists for this machine)
#   --from DIR|URL where the release files are (default: the directory this script is in)
#   --libc L       musl or glibc, instead of detecting it
#   --target T     the archive's target (linux-x64, linux-x64-baseline, linux-arm64, linux-x64-musl, linux-arm64-musl,
#                  darwin-x64, darwin-arm64), instead of detecting everything
set -eu

say() { printf 'install.sh: %s\n' "$*" >&2; }
die() { say "error: $1"; [ -n "${2:-}" ] && say "hint: $2"; exit "${3:-1}"; }

prefix="" version="" from="" libc="" target=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix|--version|--from|--libc|--target)
      [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value" "sh install.sh --help" 2
      eval "$(printf '%s' "${1#--}" | tr - _)=\$2"; shift 2 ;;
    --prefix=*|--version=*|--from=*|--libc=*|--target=*)
      key=${1%%=*}; eval "$(printf '%s' "${key#--}" | tr - _)=\${1#*=}"; shift ;;
    -h|--help) sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1" "sh install.sh --help" 2 ;;
  esac
done

case "$libc" in ""|musl|glibc) ;; *) die "--libc must be musl or glibc, not $libc" "" 2 ;; esac
case "$version" in ""|[0-9]*.[0-9]*.[0-9]*) ;; *) die "--version must look like 1.2.3, not $version" "" 2 ;; esac
[ -n "$prefix" ] || { if [ "$(id -u)" = 0 ]; then prefix=/usr/local; else prefix=${HOME:?}/.local; fi; }
[ -n "$from" ] || from=$(cd "$(dirname "$0")" && pwd)

# --- which archive -----------------------------------------------------------------------------------------------
if [ -z "$target" ]; then
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) die "no release for $(uname -s)" "on Windows, unpack the windows-x64 archive by hand" ;;
  esac
  case "$(uname -m)" in
    x86_64|amd64) arch=x64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) die "no release for the $(uname -m) CPU" ;;
  esac
  # an x64 shell under Rosetta on an Apple silicon Mac: take the native build
  if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then arch=arm64; fi
  target=$os-$arch
  if [ "$os" = linux ]; then
    if [ -z "$libc" ]; then
      if getconf GNU_LIBC_VERSION >/dev/null 2>&1; then libc=glibc
      elif ls /lib/ld-musl-*.so.1 >/dev/null 2>&1 || (ldd --version 2>&1 | grep -qi musl); then libc=musl
      else libc=glibc; fi
    fi
    if [ "$libc" = musl ]; then target=$target-musl
    elif [ "$arch" = x64 ] && ! grep -qw avx2 /proc/cpuinfo 2>/dev/null; then target=$target-baseline; fi
    [ "$libc" = musl ] && [ "$arch" = x64 ] && ! grep -qw avx2 /proc/cpuinfo 2>/dev/null && say "warning: this CPU has no AVX2; the musl build expects it"
  fi
fi
case "$target" in
  linux-x64|linux-x64-baseline|linux-arm64|linux-x64-musl|linux-arm64-musl|darwin-x64|darwin-arm64) ;;
  *) die "unknown target $target" "one of linux-x64, linux-x64-baseline, linux-arm64, linux-x64-musl, linux-arm64-musl, darwin-x64, darwin-arm64" 2 ;;
esac

# --- fetch and verify, in a temporary directory ------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/redux-install.XXXXXX")
stage=""
cleanup() { rm -rf "$work"; [ -z "$stage" ] || rm -rf "$stage"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

fetch() { # fetch NAME: copies or downloads a release file into $work
  case "$from" in
    http://*|https://*)
      if command -v curl >/dev/null 2>&1; then curl -fsSL -o "$work/$1" "${from%/}/$1" || die "cannot download ${from%/}/$1"
      elif command -v wget >/dev/null 2>&1; then wget -q -O "$work/$1" "${from%/}/$1" || die "cannot download ${from%/}/$1"
      else die "need curl or wget to download from $from"; fi ;;
    *) [ -f "$from/$1" ] || die "$from/$1 not found" "pass --from with the directory that holds the release (SHA256SUMS and the archives)"
       cp "$from/$1" "$work/$1" ;;
  esac
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d' ' -f1
  elif command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r "$1" | cut -d' ' -f1
  else die "need sha256sum, shasum or openssl to verify the download"; fi
}

fetch SHA256SUMS
if [ -z "$version" ]; then
  version=$(sed -n "s/^[0-9a-f]\{64\} [ *]redux-\([0-9][0-9a-zA-Z.+-]*\)-$target\.tar\.gz\$/\1/p" "$work/SHA256SUMS" | sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1)
  [ -n "$version" ] || die "SHA256SUMS in $from lists no archive for $target"
fi
archive=redux-$version-$target.tar.gz
expected=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$work/SHA256SUMS")
[ -n "$expected" ] || die "SHA256SUMS in $from has no line for $archive" "is version $version released for $target?"
fetch "$archive"
actual=$(sha256 "$work/$archive")
[ "$actual" = "$expected" ] || die "checksum mismatch for $archive: SHA256SUMS says $expected, the file is $actual; nothing was installed" "download the release again; if it persists, do not use it"
say "verified $archive (sha256 $actual)"

mkdir -p "$work/x"
(cd "$work/x" && gzip -dc "../$archive" | tar -xf -) || die "cannot unpack $archive"
src=$work/x/redux-$version-$target/redux
[ -f "$src" ] || die "$archive holds no redux-$version-$target/redux"

# --- install: stage next to the destination, then rename each file into place ------------------------------------
bin=$prefix/bin
mkdir -p "$bin" || die "cannot create $bin" "pass --prefix with a directory you can write, or run as root"
stage=$(mktemp -d "$bin/.redux-install.XXXXXX") || die "cannot write to $bin" "pass --prefix with a directory you can write, or run as root"
cp "$src" "$stage/redux" && chmod 0755 "$stage/redux" || die "cannot copy into $bin"
how="hard links"
for c in redux-chat redux-test-model redux-export; do
  ln "$stage/redux" "$stage/$c" 2>/dev/null || { how="symlinks"; ln -s redux "$stage/$c" 2>/dev/null; } || { how="copies"; cp -p "$stage/redux" "$stage/$c"; } || die "cannot create $bin/$c"
done
for f in redux redux-chat redux-test-model redux-export; do mv -f "$stage/$f" "$bin/$f" || die "cannot move $f into $bin"; done

say "installed redux $version ($target) into $bin: redux, and redux-chat, redux-test-model, redux-export as $how to it"
if ! out=$("$bin/redux" --version 2>&1); then
  case "$target" in
    *-musl) say "warning: $bin/redux does not start here: $(printf '%s\n' "$out" | head -n 1)"; say "hint: a musl system needs the C++ runtime: apk add libstdc++" ;;
    *) say "warning: $bin/redux does not start here: $(printf '%s\n' "$out" | head -n 1)" ;;
  esac
else
  say "$out"
fi
case ":$PATH:" in *":$bin:"*) ;; *) say "note: $bin is not on PATH; add it: export PATH=\"$bin:\$PATH\"" ;; esac
