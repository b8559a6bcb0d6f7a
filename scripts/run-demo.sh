#!/usr/bin/env bash
# usage: scripts/run-demo.sh KLELITE_BIN DATA_DIR
# What `make run` does after building: migrates DATA_DIR, seeds the demo shop when its catalogue is empty (a second
# run keeps the data and the password), serves the shop, and once it answers /readyz prints the shop's and the admin
# console's addresses and the demo admin's sign-in (from DATA_DIR/demo-credentials, written by seed-demo).
# Ctrl-C (or SIGTERM) stops the server gracefully; the script exits with the server's status.
set -uo pipefail
bin="$1"
data_dir="$2"

"$bin" migrate --data-dir "$data_dir" || exit $?
"$bin" seed-demo --only-if-empty --data-dir "$data_dir" || exit $?

# The address the server will use: the same precedence as klelite (environment, then appliance.conf, then default).
conf_value() {
  local key="$1" default="$2" value="${!1:-}"
  if [ -z "$value" ] && [ -f appliance.conf ]; then
    value="$(sed -n "s/^[[:space:]]*$key[[:space:]]*=[[:space:]]*//p" appliance.conf | tail -1)"
  fi
  echo "${value:-$default}"
}
host="$(conf_value HTTP_HOST 127.0.0.1)"
port="$(conf_value HTTP_PORT 8080)"
scheme=http
[ -n "$(conf_value TLS_CERT '')" ] && scheme=https
case "$host" in 0.0.0.0 | "::" | "[::]") host=127.0.0.1 ;; esac
base="$scheme://$host:$port"

"$bin" serve --data-dir "$data_dir" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null' INT TERM

if python3 - "$base/readyz" "$server" <<'PY'
import os, ssl, sys, time, urllib.request
url, pid = sys.argv[1], int(sys.argv[2])
context = ssl._create_unverified_context()  # a self-signed development certificate is fine for a local probe
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:
            if response.status == 200:
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.2)
sys.exit(1)
PY
then
  credentials="$data_dir/demo-credentials"
  echo
  echo "──────────────────────────────────────────────────────────────"
  echo "  KLeLite is ready"
  echo "    Shop:           $base/"
  echo "    Admin console:  $base/admin/"
  if [ -r "$credentials" ]; then
    email="$(sed -n 's/^ADMIN_EMAIL=//p' "$credentials")"
    password="$(sed -n 's/^ADMIN_PASSWORD=//p' "$credentials")"
    echo "    Demo admin:     $email"
    echo "    Password:       $password"
    echo "    (kept in $credentials; \`make demo-rush\` sells out the running flash sale)"
  else
    echo "    No demo accounts in $data_dir (it was not seeded by seed-demo): use klelite create-admin."
  fi
  echo "──────────────────────────────────────────────────────────────"
  echo
else
  echo "run-demo: the shop did not become ready at $base/readyz" >&2
fi

wait "$server"
status=$?
while kill -0 "$server" 2>/dev/null; do
  wait "$server"
  status=$?
done
exit "$status"
