#!/usr/bin/env bash
# `make bench`: a release build, then every scenario of BENCH_SCENARIOS, each on a fresh gateway
# (and a fresh redis-server, or a fresh 3-master Redis Cluster, for the Redis stores), measured by
# `loadgen` (tests/src/bin/loadgen); writes docs/benchmarks.md. Only loopback traffic; every run
# is bounded in time or count.
#
#   BENCH_SCENARIOS   names, in order (default below; `loadgen list` prints them all):
#                       <scenario>   a timed run on each store of BENCH_STORES
#                       events:<scenario>  the same with session events on and one webhook
#                                    (a local receiver answering 204): the cost of events,
#                                    reported under the store `<store>+webhook`
#                       bytes        bytes-ss bytes-amity bytes-qb bytes-qs
#                       bytes-<of>   Redis memory per session over BENCH_BYTES_SESSIONS creates
#                       mem-growth   (opt-in) Amity logins of new users while the memory store
#                                    grows to BENCH_GROWTH_SESSIONS, at most BENCH_GROWTH_SECONDS
#   BENCH_STORES      memory redis cluster (cluster: 3 masters, no replicas; on a 2-core machine
#                     its 3 servers share the cores with the gateway, so compare it with care)
#                                       BENCH_SECONDS      5 (per timed run)
#   BENCH_CONCURRENCY 64                BENCH_WORKERS      2 (gateway workers)
#   BENCH_COUNTED     200 (operations sent one at a time to count commands and round trips)
#   BENCH_BYTES_SESSIONS 10000          BENCH_GROWTH_SESSIONS 1000000
#   BENCH_GROWTH_BAND 100000            BENCH_GROWTH_SECONDS 300
#   BENCH_GROWTH_CONCURRENCY 64         BENCH_OUT          docs/benchmarks.md
#   BENCH_RESULTS     unset; a path keeps the raw records there (JSON lines, for `loadgen report`)
#
# Example: BENCH_SCENARIOS="amity-check mem-growth" BENCH_SECONDS=10 make bench
set -euo pipefail
cd "$(dirname "$0")/.."

SCENARIOS=${BENCH_SCENARIOS:-"healthz qb-create qb-get amity-register amity-register-new amity-check qs-create qs-current ss-create ss-create-delete ss-get events:amity-register-new events:ss-create bytes"}
STORES=${BENCH_STORES:-"memory redis cluster"}
SECONDS_EACH=${BENCH_SECONDS:-5}
CONCURRENCY=${BENCH_CONCURRENCY:-64}
WORKERS=${BENCH_WORKERS:-2}
COUNTED=${BENCH_COUNTED:-200}
BYTES_SESSIONS=${BENCH_BYTES_SESSIONS:-10000}
GROWTH_SESSIONS=${BENCH_GROWTH_SESSIONS:-1000000}
GROWTH_BAND=${BENCH_GROWTH_BAND:-100000}
GROWTH_SECONDS=${BENCH_GROWTH_SECONDS:-300}
GROWTH_CONCURRENCY=${BENCH_GROWTH_CONCURRENCY:-64}
OUT=${BENCH_OUT:-docs/benchmarks.md}

command -v redis-server >/dev/null || { echo "redis-server missing: run make test-deps" >&2; exit 1; }
cargo build --release -q -p gateway --bin session-gateway -p e2e --bin loadgen
bin=${CARGO_TARGET_DIR:-target}/release
loadgen=$bin/loadgen

# Every name is known before anything runs.
known=$("$loadgen" list)
for s in $SCENARIOS; do
  case $s in bytes | mem-growth) ;; *) grep -qx -- "${s#events:}" <<<"$known" || { echo "unknown scenario $s" >&2; exit 2; } ;; esac
done
for store in $STORES; do
  case $store in memory | redis | cluster) ;; *) echo "unknown store $store" >&2; exit 2 ;; esac
done

work=$(mktemp -d)
results=$work/results.jsonl
: >"$results"
redis_pid="" redis_port="" gw_pid="" gw_port="" receiver_pid="" gw_config=""
cluster_pids=() cluster_urls=""

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
stop_redis() { [ -z "$redis_pid" ] || stop "$redis_pid"; redis_pid=""; }
stop_gateway() { [ -z "$gw_pid" ] || stop "$gw_pid"; gw_pid=""; }
stop_cluster() { for p in "${cluster_pids[@]}"; do stop "$p"; done; cluster_pids=() cluster_urls=""; }
stop_receiver() { [ -z "$receiver_pid" ] || stop "$receiver_pid"; receiver_pid=""; }
cleanup() { stop_gateway; stop_redis; stop_cluster; stop_receiver; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_redis() {
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
    >"$work/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "redis-server did not start" >&2; cat "$work/redis.log" >&2; return 1
}

# start_cluster: three fresh cluster-enabled redis-servers, every slot assigned, no replicas.
start_cluster() {
  local ports=() port dir
  for i in 0 1 2; do
    port=$(free_port) dir=$work/cluster-$i
    rm -rf "$dir"; mkdir -p "$dir"
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
      --cluster-enabled yes --cluster-config-file "$dir/nodes.conf" --cluster-port "$(free_port)" \
      >"$dir/redis.log" 2>&1 &
    cluster_pids+=($!) ports+=("$port")
  done
  for port in "${ports[@]}"; do
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  redis-cli --cluster create "${ports[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes \
    >"$work/cluster-create.log" 2>&1 || { cat "$work/cluster-create.log" >&2; return 1; }
  for port in "${ports[@]}"; do
    for _ in $(seq 100); do
      redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && break
      sleep 0.1
    done
    redis-cli -p "$port" cluster info | grep -q '^cluster_state:ok' || { echo "the cluster is not ok" >&2; return 1; }
  done
  cluster_urls=$(printf 'redis://127.0.0.1:%s,' "${ports[@]}")
  cluster_urls=${cluster_urls%,}
}

# start_gateway STORE [NAME=VALUE...]: a fresh gateway (on the running redis-server for redis).
start_gateway() {
  gw_port=$(free_port)
  env APP_ENV=test GATEWAY__SERVER__PORT="$gw_port" GATEWAY__SERVER__WORKERS="$WORKERS" \
    GATEWAY__STORE__BACKEND="$1" GATEWAY__STORE__URL="redis://127.0.0.1:${redis_port:-6379}" \
    GATEWAY__STORE__TOKEN_SECRET=bench-secret-0123456789 "${@:2}" \
    "$bin/session-gateway" serve --config "${gw_config:-scripts/bench.toml}" >"$work/gateway.log" 2>&1 &
  gw_pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$gw_port/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "the gateway did not start" >&2; cat "$work/gateway.log" >&2; return 1
}

# with_webhook: the next gateways write events and deliver them to a fresh local receiver.
with_webhook() {
  local port secret
  port=$(free_port)
  secret=whsec_$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
  "$loadgen" receive --port "$port" 2>"$work/receiver.log" &
  receiver_pid=$!
  gw_config=$work/bench-events.toml
  { cat scripts/bench.toml
    printf '\n[events]\nenabled = true\n\n[[events.webhooks]]\nname = "bench"\nurl = "http://127.0.0.1:%s/hook"\nsecret = "%s"\n' "$port" "$secret"
  } >"$gw_config"
}

without_webhook() {
  stop_receiver
  echo "events: $(cat "$work/receiver.log")" >&2
  gw_config=""
}

# throughput STORE SCENARIO [STORE LABEL]
throughput() {
  local redis_args=()
  case $1 in
    memory) start_gateway memory ;;
    redis)
      start_redis; start_gateway redis
      redis_args=(--redis "redis://127.0.0.1:$redis_port") ;;
    cluster)
      start_cluster; start_gateway redis GATEWAY__STORE__CLUSTER_URLS="$cluster_urls"
      redis_args=(--redis "$cluster_urls") ;;
  esac
  "$loadgen" measure --base "http://127.0.0.1:$gw_port" --scenario "$2" --store "${3:-$1}" \
    --seconds "$SECONDS_EACH" --concurrency "$CONCURRENCY" --counted "$COUNTED" "${redis_args[@]}" >>"$results"
  stop_gateway; stop_redis; stop_cluster
}

# bytes OF (ss, amity, qb, qs)
bytes() {
  start_redis; start_gateway redis
  "$loadgen" bytes --base "http://127.0.0.1:$gw_port" --redis "redis://127.0.0.1:$redis_port" \
    --of "$1" --sessions "$BYTES_SESSIONS" --concurrency "$CONCURRENCY" >>"$results"
  stop_gateway; stop_redis
}

mem_growth() {
  echo "mem-growth: up to $GROWTH_SESSIONS Amity logins or $GROWTH_SECONDS s" >&2
  start_gateway memory GATEWAY__STORE__MEMORY__MAX_SESSIONS=$((GROWTH_SESSIONS * 2))
  "$loadgen" growth --base "http://127.0.0.1:$gw_port" --pid "$gw_pid" --sessions "$GROWTH_SESSIONS" \
    --band "$GROWTH_BAND" --max-seconds "$GROWTH_SECONDS" --concurrency "$GROWTH_CONCURRENCY" >>"$results"
  stop_gateway
}

for s in $SCENARIOS; do
  case $s in
    bytes) for of in ss amity qb qs; do bytes "$of"; done ;;
    bytes-*) bytes "${s#bytes-}" ;;
    mem-growth) mem_growth ;;
    events:*)
      for store in $STORES; do
        with_webhook; throughput "$store" "${s#events:}" "$store+webhook"; without_webhook
      done ;;
    *) for store in $STORES; do throughput "$store" "$s"; done ;;
  esac
done

"$loadgen" report --results "$results" --seconds "$SECONDS_EACH" --concurrency "$CONCURRENCY" \
  --workers "$WORKERS" --counted "$COUNTED" --redis-version "$(redis-server --version)" >"$work/report.md"
# The page's hand-written tail (a profile, from the line `<!-- kept by make bench -->` on) is
# measured by hand, not by this script: it is carried over as it is.
if [ -f "$OUT" ] && grep -qx -- '<!-- kept by make bench -->' "$OUT"; then
  { echo; sed -n '/^<!-- kept by make bench -->$/,$p' "$OUT"; } >>"$work/report.md"
fi
mv "$work/report.md" "$OUT"
echo "wrote $OUT"
if [ -n "${BENCH_RESULTS:-}" ]; then cp "$results" "$BENCH_RESULTS"; echo "kept the records in $BENCH_RESULTS"; fi
