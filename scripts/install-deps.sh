#!/usr/bin/env bash
# Installs what building, running or testing KLeLite needs and is missing on this machine.
#   scripts/install-deps.sh run    Debian packages to build and serve
#   scripts/install-deps.sh test   plus the test tools (redis-server, Python packages for e2e/)
#   scripts/install-deps.sh bench  plus the benchmark tools (wrk, jq, curl, and redis-server for row 3r)
set -euo pipefail
mode="${1:-run}"

packages=(pkg-config libsqlite3-dev libhiredis-dev libssl-dev sqlite3)
if [ "$mode" = "test" ]; then
  # Browser tests drive Debian's Chromium (Playwright cannot download its own browsers here).
  packages+=(redis-server chromium fonts-dejavu-core)
fi
if [ "$mode" = "bench" ]; then
  packages+=(wrk jq curl redis-server)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$mode" = "test" ]; then
  # A Debian-managed Python refuses plain pip installs (PEP 668); then install for this user despite it.
  python3 - <<'PY' || python3 -m pip install --quiet --disable-pip-version-check -r e2e/requirements.txt \
    || python3 -m pip install --quiet --disable-pip-version-check --user --break-system-packages -r e2e/requirements.txt
import importlib.util, sys
needed = ["pytest", "requests", "aiosmtpd", "trustme", "playwright", "axe_playwright_python", "schemathesis"]
sys.exit(0 if all(importlib.util.find_spec(name) for name in needed) else 1)
PY
fi
