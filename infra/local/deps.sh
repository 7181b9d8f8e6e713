#!/usr/bin/env bash
# Installs the Debian packages listed in package lists of this folder that are not installed
# yet: `deps.sh [LIST...]`, packages.txt when no list is named (packages-sanitizers.txt holds
# what only the sanitizer and fuzz builds need).
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
lists=("$@")
((${#lists[@]} > 0)) || lists=(packages.txt)

packages=()
for list in "${lists[@]}"; do
  [[ -f $here/$list ]] || { echo "deps: no package list $here/$list" >&2; exit 1; }
  while IFS= read -r line; do
    line=${line%%#*}
    line=${line//[[:space:]]/}
    [[ -n $line ]] && packages+=("$line")
  done <"$here/$list"
done

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$pkg")
done

# The dashboard's build (Vite) needs Node.js 20.19 or newer, and npm.
node_ok() {
  [[ " ${packages[*]} " != *" nodejs "* ]] && return 0
  local version
  version=$(node --version 2>/dev/null) || return 1
  version=${version#v}
  local major=${version%%.*} rest=${version#*.}
  local minor=${rest%%.*}
  ((major > 20 || (major == 20 && minor >= 19))) && command -v npm >/dev/null
}

if ((${#missing[@]} == 0)); then
  if ! node_ok; then
    echo "deps: Node.js >= 20.19 with npm is needed for ui/, found: $(node --version 2>&1)" >&2
    echo "deps: install it from your Node.js apt source (apt-get install nodejs)" >&2
    exit 1
  fi
  echo "deps: all ${#packages[@]} packages from ${lists[*]} are installed" >&2
  exit 0
fi

echo "deps: installing ${missing[*]}" >&2
sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
if ! node_ok; then
  echo "deps: Node.js >= 20.19 with npm is needed for ui/, apt installed $(node --version 2>&1)" >&2
  exit 1
fi
