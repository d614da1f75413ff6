#!/usr/bin/env bash
# A/B of two kvraft jars under the same wrk load, alternating runs between two 3-node clusters that run side by side:
#   bench/ab.sh BEFORE.jar AFTER.jar [op] [connections] [rounds] [seconds]     (default: put 16 4 8)
# AB_VIA=follower sends the load to a follower instead of the leader. AB_PORT_BASE (default 19100) moves the ports:
# cluster A listens on base+1..3, cluster B on base+101..103. AB_OPTS_A / AB_OPTS_B give each cluster its own JVM
# options (default KVRAFT_JAVA_OPTS, else -Xmx256m), to compare flags on one jar.
# Prints ops/s, p50/p99 and server CPU µs per operation for every run, then the medians. Stops what it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
A=$1 B=$2 OP=${3:-put} CONNS=${4:-16} ROUNDS=${5:-4} SECS=${6:-8}
WORK=$(mktemp -d /tmp/kvraft-ab.XXXXXX)
PIDS=()
stop_all() { stop_pids TERM "${PIDS[@]}"; }
stop_on_exit stop_all
HZ=$(getconf CLK_TCK)
start() { # name jar base
  local opts=${KVRAFT_JAVA_OPTS:--Xmx256m}
  if [ "$1" = A ] && [ -n "${AB_OPTS_A:-}" ]; then opts=$AB_OPTS_A; fi
  if [ "$1" = B ] && [ -n "${AB_OPTS_B:-}" ]; then opts=$AB_OPTS_B; fi
  kv_start "$3" "$2" "$opts" "$WORK/$1"
  PIDS+=("${KV_STARTED[@]}")
  printf '%s\n' "${KV_STARTED[@]}" >>"$WORK/$1.pids"
}
leader() { # base -> port of the leader
  wait_for_leader kv_leader "$1"
  echo $(($1 + LEADER))
}
# shellcheck disable=SC2046
ticks() { cpu_ticks $(cat "$WORK/$1.pids"); }
one() { # name base secs -> "ops p50 p99 cpu_us_per_op"
  local port t0 t1 res
  port=$(leader "$2")
  if [ "${AB_VIA:-leader}" = follower ]; then port=$(($2 + (port - $2) % 3 + 1)); fi
  t0=$(ticks "$1")
  res=$(BENCH_SYSTEM=kvraft BENCH_OP=$OP wrk -t$((CONNS < 2 ? 1 : 2)) -c"$CONNS" -d"${3}s" --timeout 10s \
    -s bench/load.lua "http://127.0.0.1:$port" | grep '^RESULT')
  t1=$(ticks "$1")
  local requests duration_us p50_us p99_us p999_us max_us err_connect err_read err_write err_status err_timeout
  eval "$(sed 's/^RESULT //; s/ /;/g' <<<"$res")"
  awk -v r="$requests" -v d="$duration_us" -v a="$p50_us" -v b="$p99_us" -v c="$((t1 - t0))" -v hz="$HZ" \
    -v e="$((err_connect + err_read + err_write + err_status + err_timeout))" \
    'BEGIN { printf "%.0f %.2f %.2f %.0f %d\n", r / (d / 1e6), a / 1000, b / 1000, c / hz * 1e6 / r, e }'
}
PA=${AB_PORT_BASE:-19100}
PB=$((PA + 100))
start A "$A" "$PA"
start B "$B" "$PB"
leader "$PA" >/dev/null; leader "$PB" >/dev/null
one A "$PA" 5 >/dev/null; one B "$PB" 5 >/dev/null   # warm-up
echo "run  jar     ops/s  p50ms  p99ms  cpu_us/op errors"
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order="A B"; else order="B A"; fi
  for x in $order; do
    base=$([ "$x" = A ] && echo "$PA" || echo "$PB")
    line=$(one "$x" "$base" "$SECS")
    echo "$r    $x  $line" | tee -a "$WORK/ab.txt"
  done
done
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for x in A B; do
  echo "median $x ($([ "$x" = A ] && echo before || echo after)): $(awk -v x="$x" '$2 == x { print $3 }' "$WORK/ab.txt" | median) ops/s," \
    "$(awk -v x="$x" '$2 == x { print $6 }' "$WORK/ab.txt" | median) server CPU µs/op"
done
