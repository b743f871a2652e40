#!/usr/bin/env bash
# The contract run of `make test`: schemathesis (pinned in tests/schemathesis/requirements.txt,
# installed into a venv from PyPI) against the real gateway binary on the memory store, on a free
# loopback port, with the tenants of tests/schemathesis/gateway.toml. Four passes:
#   1. every operation of the four flavors and the gateway's own paths (`/admin` is pass 2's);
#   2. every operation of the admin API (`/admin/v1/*`, testing mode and events on), with the
#      admin bearer, on a gateway of its own (its revocations, tenant changes, faults, clock
#      moves and resets touch no other pass), with the same checks as pass 1;
#   3. and 4. passes 1 and 2 again on a real redis-server (a fresh one on a free loopback port,
#      stopped by pid), events on: the store's functions, the events they write, and the admin
#      API's listings, snapshots and resets on Redis, under the same checks.
# Fixed seed and a bounded number of examples per operation (tests/schemathesis/schemathesis.toml).
# Fails on any finding: a 5xx, a status code, content type, header or body the document does not
# describe, a valid request refused or an invalid one accepted, an error body outside the flavor's
# format (tests/schemathesis/hooks.py). Logs: $OUT/*.log.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
venv=${SG_SCHEMATHESIS_VENV:-$target/schemathesis-venv}
out=$target/schemathesis
here=$root/tests/schemathesis
mkdir -p "$out"

# The venv, (re)installed when the pinned requirements change.
stamp=$venv/.requirements.sha256
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "schemathesis: installing $(grep -i '^schemathesis==' "$here/requirements.txt") into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  echo "$want" > "$stamp"
fi

(cd "$root" && ${CARGO:-cargo} build -q -p gateway --bin session-gateway)
binary=$target/debug/session-gateway

# stop_process VAR: stops the process whose pid is in $VAR (if any), waits for it, clears VAR.
stop_process() {
  local pid=${!1}
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  printf -v "$1" '%s' ""
}
gateway_pid=""
redis_pid=""
stop_gateway() { stop_process gateway_pid; }
stop_redis() { stop_process redis_pid; }
trap 'stop_gateway; stop_redis' EXIT

# start_redis: a fresh redis-server on a free loopback port, nothing saved; sets $redis_url.
start_redis() {
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$out/redis"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$out/redis" \
    > "$out/redis.log" 2>&1 &
  redis_pid=$!
  redis_url=redis://127.0.0.1:$port
  for _ in $(seq 50); do
    redis-cli -p "$port" ping > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "schemathesis: redis-server did not start; its log:" >&2
  cat "$out/redis.log" >&2
  return 1
}

# start_gateway NAME [ENV=VALUE...]: starts the binary on a free port; sets $base.
start_gateway() {
  local name=$1
  shift
  local log=$out/$name-gateway.log
  env -i PATH="$PATH" APP_ENV=test \
    GATEWAY__SERVER__HOST=127.0.0.1 GATEWAY__SERVER__PORT=0 GATEWAY__SERVER__WORKERS=2 \
    GATEWAY__LOG__FORMAT=json GATEWAY__LOG__LEVEL=warn,gateway::startup=info \
    GATEWAY__STORE__TOKEN_SECRET=schemathesis-token-secret-0123456789 "$@" \
    "$binary" serve --config "$here/gateway.toml" > "$log" 2>&1 &
  gateway_pid=$!
  base=""
  for _ in $(seq 100); do
    base=$(grep -o '"address":"http://[^"]*"' "$log" 2>/dev/null | head -1 | cut -d'"' -f4 || true)
    [ -n "$base" ] && return 0
    kill -0 "$gateway_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "schemathesis: the gateway did not start; its log:" >&2
  cat "$log" >&2
  return 1
}

# run_pass NAME [schemathesis options...]: runs schemathesis against $base; 0 when no finding.
run_pass() {
  local name=$1
  shift
  local log=$out/$name.log
  local started=$SECONDS
  local status=0
  (cd "$here" && SG_BASE=$base SG_REACHED=$out/$name-reached.txt PYTHONPATH=$here \
    "$venv/bin/schemathesis" --config-file schemathesis.toml run "$base/openapi.json" "$@") \
    > "$log" 2>&1 || status=$?
  local summary
  summary=$(grep -E '^=+ .* in [0-9.]+s =+$' "$log" | tail -1 | tr -d '=' | xargs || true)
  echo "schemathesis $name: ${summary:-no summary} ($((SECONDS - started)) s, log $log)"
  if [ "$status" -ne 0 ]; then
    sed -n '/^=* FAILURES =*$/,/^=* SUMMARY =*$/p' "$log" | head -200
    return "$status"
  fi
}

rm -f "$out"/*-reached.txt
failed=0
start_gateway flavors
run_pass flavors --exclude-path-regex '^/(docs|metrics|admin)' || failed=1
stop_gateway

start_gateway admin GATEWAY__TESTING__ENABLED=true GATEWAY__EVENTS__ENABLED=true
run_pass admin --include-path-regex '^/admin/' || failed=1
stop_gateway

start_redis
start_gateway flavors-redis GATEWAY__STORE__BACKEND=redis GATEWAY__STORE__URL="$redis_url" \
  GATEWAY__EVENTS__ENABLED=true
run_pass flavors-redis --exclude-path-regex '^/(docs|metrics|admin)' || failed=1
stop_gateway
start_gateway admin-redis GATEWAY__STORE__BACKEND=redis GATEWAY__STORE__URL="$redis_url" \
  GATEWAY__TESTING__ENABLED=true GATEWAY__EVENTS__ENABLED=true
run_pass admin-redis --include-path-regex '^/admin/' || failed=1
stop_gateway
stop_redis

for reached in "$out"/*-reached.txt; do
  [ -e "$reached" ] || continue
  printf '%s: ' "$(basename "$reached" -reached.txt)"
  cat "$reached"
done
exit "$failed"
