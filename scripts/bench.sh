#!/usr/bin/env bash
# `make bench`: release build, then each scenario for BENCH_SECONDS with BENCH_CONCURRENCY
# closed-loop clients, on the memory store and on a real redis-server started here.
# Writes docs/benchmarks.md. Only loopback traffic; every loop is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${BENCH_SECONDS:-5}
CONCURRENCY=${BENCH_CONCURRENCY:-32}
SCENARIOS=${BENCH_SCENARIOS:-"healthz qb-create qb-get amity-register amity-check qs-create qs-current ss-create-delete ss-get"}
OUT=${BENCH_OUT:-docs/benchmarks.md}

cargo build --release -q -p gateway --bin session-gateway -p e2e --bin loadgen
command -v redis-server >/dev/null || { echo "redis-server missing: run make test-deps" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 100); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

rows=()
for backend in memory redis; do
  port=$(free_port)
  APP_ENV=test GATEWAY__SERVER__PORT=$port GATEWAY__STORE__BACKEND=$backend \
    GATEWAY__STORE__URL="redis://127.0.0.1:$redis_port" GATEWAY__STORE__TOKEN_SECRET=bench-secret-0123456789 \
    ./target/release/session-gateway serve --config scripts/bench.toml >"$work/gw-$backend.log" 2>&1 &
  gw=$!
  pids+=($gw)
  wait_http "http://127.0.0.1:$port/healthz"
  for s in $SCENARIOS; do
    row=$(./target/release/loadgen "http://127.0.0.1:$port" "$s" "$SECONDS_EACH" "$CONCURRENCY" "$backend")
    echo "$row"
    rows+=("$row")
  done
  kill "$gw"; wait "$gw" 2>/dev/null || true
done

{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` (scripts/bench.sh) on $(date -u +%Y-%m-%d): release build, gateway with 2 workers,"
  echo "$CONCURRENCY closed-loop HTTP/1.1 clients (keep-alive) in one process on the same machine"
  echo "($(nproc) cores, shared by client, gateway and redis-server), ${SECONDS_EACH} s per scenario."
  echo "Redis: a local redis-server without persistence. Latencies in milliseconds."
  echo
  echo "| scenario | store | clients | requests | req/s | p50 | p99 | p99.9 | errors |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Scenarios: \`healthz\` (no store), \`qb-create\` (signed POST /session.json: HMAC-SHA1, nonce claim,"
  echo "create), \`qb-get\` (GET /session.json: token check + sliding touch), \`amity-register\`"
  echo "(POST /api/v5/sessions: user upsert, JWT, create), \`amity-check\` (GET /api/v3/sessions: JWT + store"
  echo "check), \`qs-create\` (POST /v1/session: wallet JWT, group + host), \`qs-current\` (GET"
  echo "/v1/session/current: token check + member list), \`ss-create-delete\` (create then delete: two"
  echo "requests per sample), \`ss-get\` (GET one session)."
} >"$OUT"
echo "wrote $OUT"
