#!/usr/bin/env bash
# Fetch the Docker engines the end-to-end tests run on, as test fixtures, independent of the
# host's own distribution and of whatever docker.io its apt would install:
#
#   bookworm  Debian 12's docker.io (dockerd 20.10, CLI included) and containerd 1.6;
#             bookworm has no docker-buildx and only the python compose v1, so the buildx and
#             compose v2 CLI plugins come from trixie (the nearest suite that has them; the
#             20.10 CLI runs them like any other plugin).
#   trixie    Debian 13's docker.io 26.1, docker-cli, containerd 1.7, docker-buildx, docker-compose.
#   sid       unstable's docker.io 28.5, docker-cli, containerd 2.1, docker-buildx, docker-compose.
#
# Method: apt itself, with a private sources list, state and cache per suite (`apt-get update`,
# `apt-get download`), then `dpkg -x` of each package into CACHE/SUITE/root. Nothing is
# installed on the system. runc, iptables, conntrack and the rest come from the host: they serve
# all three engines. The mirror is the one the machine's own apt uses (its main archive, read
# from /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list at run time; override with
# AUTONET_DEBIAN_MIRROR).
#
# Each complete engine gets CACHE/SUITE/engine.json (written last), which the e2e harness
# (test/e2e/lib/engines.ts) reads:
#   {"suite","version","dockerd","docker","binDirs":[...],"pluginsDir","packages":[...]}
# A second run finds engine.json and downloads nothing (--refresh fetches again).
#
# Usage: scripts/fetch-engines.sh [--cache DIR] [--refresh] [SUITE...]   (default: all three)
# Exit: 0 all engines ready; 1 a suite, a package or a binary could not be had (named); 2 usage.
set -euo pipefail

CACHE=${AUTONET_ENGINES_CACHE:-/var/cache/dockerd-autonet/engines}
REFRESH=0
SUITES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) CACHE=${2:?--cache needs a directory}; shift 2 ;;
    --cache=*) CACHE=${1#--cache=}; shift ;;
    --refresh) REFRESH=1; shift ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fetch-engines: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) SUITES+=("$1"); shift ;;
  esac
done
[ ${#SUITES[@]} -gt 0 ] || SUITES=(bookworm trixie sid)

log() { printf 'fetch-engines: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Packages per engine suite, and the suite each comes from (default: the engine's own).
packages_of() {
  case "$1" in
    bookworm) echo "bookworm:docker.io bookworm:containerd trixie:docker-buildx trixie:docker-compose" ;;
    trixie|sid) echo "$1:docker.io $1:docker-cli $1:containerd $1:docker-buildx $1:docker-compose" ;;
    *) return 1 ;;
  esac
}

# The main archive's URI from the machine's apt sources (deb822 first, then one-line form);
# -security and -updates suites are skipped (they live elsewhere or carry only updates).
mirror_uri() {
  if [ -n "${AUTONET_DEBIAN_MIRROR:-}" ]; then echo "$AUTONET_DEBIAN_MIRROR"; return; fi
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    # Stanzas are separated by blank lines; keep the URIs of one whose Suites has a plain suite.
    awk 'BEGIN { RS=""; FS="\n" }
      {
        uris=""; plain=0; deb=0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Types:/ && $i ~ /[ \t]deb([ \t]|$)/) deb=1
          if ($i ~ /^URIs:/) { uris=$i; sub(/^URIs:[ \t]*/, "", uris) }
          if ($i ~ /^Suites:/) { n=split(substr($i, 8), s, /[ \t]+/); for (j = 1; j <= n; j++) if (s[j] != "" && s[j] !~ /-(security|updates|backports)$/) plain=1 }
        }
        if (deb && plain && uris != "") { split(uris, u, /[ \t]+/); print u[1]; exit }
      }' "$f"
  done | head -n 1 | grep . && return
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    # deb [options] URI SUITE COMPONENTS...
    sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" && $3 !~ /-(security|updates|backports)$/ { print $2; exit }'
  done | head -n 1 | grep . && return
  return 1
}

KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$KEYRING" ] || die "no Debian archive keyring at $KEYRING (package debian-archive-keyring)"
command -v apt-get >/dev/null || die "apt-get not found: this script needs a Debian-like host"
command -v dpkg >/dev/null || die "dpkg not found"

# apt-get with the private state of one suite; nothing of the system's apt state is touched.
apt_private() {
  local tool=$1 dir=$2; shift 2
  "$tool" -q -o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" -o Dir::State::status=/dev/null \
    -o Debug::NoLocking=1 -o APT::Sandbox::User=root "$@"
}

declare -A UPDATED=()
MIRROR=
# Sets APT_DIR to the private apt state of a suite, updating it once per run.
apt_suite_dir() {
  local suite=$1 dir="$CACHE/apt/$1"
  APT_DIR=$dir
  if [ -z "${UPDATED[$suite]:-}" ]; then
    if [ -z "$MIRROR" ]; then
      MIRROR=$(mirror_uri) || die "no Debian main archive found in the machine's apt sources (set AUTONET_DEBIAN_MIRROR)"
      log "mirror (from the machine's apt sources): $MIRROR"
    fi
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
    echo "deb [signed-by=$KEYRING] $MIRROR $suite main" > "$dir/sources.list"
    log "apt-get update ($suite)"
    apt_private apt-get "$dir" update >"$dir/update.log" 2>&1 || { cat "$dir/update.log" >&2; die "apt-get update of suite $suite failed"; }
    # apt-get update succeeds with a warning when a suite is missing from the mirror.
    ls "$dir/lists/"*"_dists_${suite}_"*Packages* >/dev/null 2>&1 || { cat "$dir/update.log" >&2; die "suite $suite not on $MIRROR"; }
    UPDATED[$suite]=1
  fi
}

# Prints the absolute path of a file inside root, or fails naming what is missing.
need() {
  local root=$1 rel=$2
  [ -x "$root$rel" ] || die "$rel not found in the extracted packages ($root)"
  printf '%s' "$root$rel"
}

fetch_suite() {
  local suite=$1 spec pkgs dir debs root ver out pkglist=()
  pkgs=$(packages_of "$suite") || die "unknown engine suite '$suite' (known: bookworm trixie sid)"
  out="$CACHE/$suite"
  if [ "$REFRESH" = 0 ] && [ -s "$out/engine.json" ] && [ -x "$out/root/usr/sbin/dockerd" ]; then
    log "$suite: cached ($(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$out/engine.json")), nothing downloaded"
    return
  fi
  rm -rf "$out.new"
  debs="$out.new/debs"
  root="$out.new/root"
  mkdir -p "$debs" "$root"
  for spec in $pkgs; do
    local from=${spec%%:*} pkg=${spec#*:}
    apt_suite_dir "$from"; dir=$APT_DIR
    ver=$(apt_private apt-cache "$dir" policy "$pkg" 2>/dev/null | awk '/Candidate:/ { print $2 }')
    [ -n "$ver" ] && [ "$ver" != "(none)" ] || die "package $pkg not in suite $from"
    log "$suite: $pkg $ver (from $from)"
    (cd "$debs" && apt_private apt-get "$dir" download "$pkg=$ver" >/dev/null 2>"$debs/$pkg.err") \
      || { cat "$debs/$pkg.err" >&2; die "apt-get download $pkg=$ver ($from) failed"; }
    rm -f "$debs/$pkg.err"
    pkglist+=("\"$pkg=$ver ($from)\"")
  done
  local deb
  for deb in "$debs"/*.deb; do dpkg -x "$deb" "$root" || die "dpkg -x $deb failed"; done

  local dockerd docker plugins=/usr/libexec/docker/cli-plugins
  dockerd=$(need "$root" /usr/sbin/dockerd)
  docker=$(need "$root" /usr/bin/docker)
  need "$root" /usr/bin/containerd >/dev/null
  need "$root" /usr/bin/containerd-shim-runc-v2 >/dev/null
  need "$root" /usr/sbin/docker-proxy >/dev/null
  need "$root" $plugins/docker-buildx >/dev/null
  need "$root" $plugins/docker-compose >/dev/null

  # The binaries run against the host's libraries: every one of them must be resolvable.
  local f missing=
  for f in "$root"/usr/bin/* "$root"/usr/sbin/* "$root"$plugins/*; do
    [ -f "$f" ] && [ -x "$f" ] || continue
    if ldd "$f" 2>/dev/null | grep -q 'not found'; then
      missing="$missing $(basename "$f"):$(ldd "$f" | awk '/not found/ { printf " %s", $1 }')"
    fi
  done
  [ -z "$missing" ] || die "$suite: shared libraries missing on this host:$missing"

  local version
  version=$("$dockerd" --version 2>/dev/null | sed -n 's/^Docker version \([^ ,]*\).*/\1/p')
  [ -n "$version" ] || die "$suite: $dockerd --version printed no version"
  rm -rf "$debs"
  # Path-free manifest: the harness resolves every path against the engine directory, so the
  # cache can be moved or mounted elsewhere.
  local IFS=,
  cat > "$out.new/engine.json" <<EOF
{
  "suite": "$suite",
  "version": "$version",
  "dockerd": "root/usr/sbin/dockerd",
  "docker": "root/usr/bin/docker",
  "binDirs": ["root/usr/sbin", "root/usr/bin"],
  "pluginsDir": "root$plugins",
  "packages": [${pkglist[*]}]
}
EOF
  rm -rf "$out"
  mv "$out.new" "$out"
  log "$suite: dockerd $version ready in $out"
}

mkdir -p "$CACHE"
for s in "${SUITES[@]}"; do fetch_suite "$s"; done
for s in "${SUITES[@]}"; do
  printf '%s\t%s\n' "$s" "$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$CACHE/$s/engine.json")"
done
