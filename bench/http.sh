#!/usr/bin/env bash
# HTTP benchmarks of the release binary, measured side by side in one run with wrk.
#   bench/http.sh [SECONDS]     (make bench)
# Starts `klelite serve` on a free loopback port with a fresh seeded data folder, then measures:
#   - GET /healthz                                   (the floor: routing and middleware only)
#   - GET /api/v1/products?limit=20                  (public catalogue, served from the encoded-JSON cache)
#   - GET /api/v1/products?limit=20&includeInactive=true  (same query, admin-only, bypasses the cache)
# All three carry the same admin Bearer token, so authentication costs the same in each.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
bin=.build-release/release/klelite
data="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export DATA_DIR="$data" LOG_LEVEL=warning BCRYPT_COST=10 AUTH_RATE_PER_MINUTE=10000
"$bin" migrate >/dev/null
"$bin" seed-demo >/dev/null
"$bin" create-admin --email bench@klelite.local --password bench-pass-2026 >/dev/null
"$bin" serve --port "$port" >"$data/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
token="$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"email":"bench@klelite.local","password":"bench-pass-2026"}' | jq -r .accessToken)"

measure() {  # name path
  local rps
  rps="$(wrk -t2 -c32 -d"${duration}s" -H "Authorization: Bearer $token" "http://127.0.0.1:$port$2" | awk '/Requests\/sec/ {print $2}')"
  printf '%-28s %12s req/s\n' "$1" "$rps" >&2
  echo "$rps"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); wrk -t2 -c32 -d${duration}s"
floor="$(measure healthz /healthz | tail -1)"
cached="$(measure "products (cached)" "/api/v1/products?limit=20" | tail -1)"
uncached="$(measure "products (uncached)" "/api/v1/products?limit=20&includeInactive=true" | tail -1)"
python3 - "$floor" "$cached" "$uncached" <<'PY'
import sys
floor, cached, uncached = map(float, sys.argv[1:])
print(f"cached / uncached catalogue list: {cached / uncached:.1f}x")
print(f"cached catalogue list / healthz:  {cached / floor:.2f}x")
PY
