#!/usr/bin/env bash
# Installs the Debian packages the hotline needs, and only the missing ones, so a second run is instant.
# Each line of system-packages.txt is "<command or path that proves it is installed> <debian package>".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
missing=()
while read -r probe package; do
    [[ -z "$probe" || "$probe" == \#* ]] && continue
    if [[ "$probe" == /* ]]; then
        compgen -G "$probe" >/dev/null || missing+=("$package")
    else
        command -v "$probe" >/dev/null 2>&1 || missing+=("$package")
    fi
done < "$here/system-packages.txt"
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi
if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi
echo "installing Debian packages: ${missing[*]}"
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
