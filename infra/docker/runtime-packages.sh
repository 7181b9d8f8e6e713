#!/usr/bin/env bash
# Prints, one a line, the Debian packages that ship the shared libraries the given programs
# load: `runtime-packages.sh PROGRAM...`. The Dockerfile's runtime image installs exactly these,
# so that the only hand-kept package list stays infra/local/packages.txt (what builds the
# programs); the runtime set follows from what the build linked.
#
# ldd names a library by the path the loader found; on Debian 12's merged /usr that may be
# /lib/... while dpkg recorded /usr/lib/... (or the other way round), so both are asked, in
# one dpkg call (each call reads dpkg's whole file database). A library no package owns is an
# error: the image would lack it.
set -euo pipefail

(($# > 0)) || { echo "usage: runtime-packages.sh PROGRAM..." >&2; exit 2; }

libraries=$(ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u)
[[ -n $libraries ]] || { echo "runtime-packages: ldd found no shared libraries in $*" >&2; exit 1; }

candidates=()
while IFS= read -r library; do
  candidates+=("$library" "${library#/usr}" "/usr$library")
done <<<"$libraries"
# dpkg -S exits non-zero when any candidate is unknown, as most alternates are.
owners=$(dpkg -S "${candidates[@]}" 2>/dev/null || true)

packages=()
while IFS= read -r library; do
  package=$(awk -F': ' -v a="$library" -v b="${library#/usr}" -v c="/usr$library" \
    '$2 == a || $2 == b || $2 == c {split($1, p, ":"); print p[1]; exit}' <<<"$owners")
  [[ -n $package ]] || { echo "runtime-packages: no Debian package ships $library" >&2; exit 1; }
  packages+=("$package")
done <<<"$libraries"
printf '%s\n' "${packages[@]}" | sort -u
