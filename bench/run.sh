#!/usr/bin/env bash
# Side-by-side benchmark: a 3-node kvraft cluster and a 3-member etcd cluster on loopback, both with fsync on and
# default settings, driven by the same wrk script (bench/load.lua: 100-byte values over 10,000 keys).
#
#   bench/run.sh            full matrix (put, append, linearizable get, stale get, 90/10 mix; 1/16/64 connections;
#                           through the leader and through a follower), about 10 minutes
#   bench/run.sh --quick    a subset at shorter runs, about 2 minutes
#   bench/run.sh --profile  kvraft only, put at 16 connections through the leader (BENCH_PROFILE_LOAD="get 1"
#                           for another), with a JFR recording of the leader and a summary of its hottest frames
# Options: --duration SECONDS (per run), --keep (keep data dirs and logs), --out DIR (results; default
# bench/results/<time>). Env: KVRAFT_JAVA_OPTS (default -Xmx256m, like scripts/local-cluster.sh),
# BENCH_PORT_BASE (default 19000: kvraft on base+1..3, etcd clients on base+11..13, peers on base+21..23).
#
# Each row runs both systems back to back (the order alternates between rows), measuring ops/s and latency with wrk
# and the CPU time the three server processes used from /proc/<pid>/stat. etcd has no append: its append rows are
# skipped (n/a), not emulated. Every process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=bench/lib.sh
. bench/lib.sh

MODE=full
DURATION=
KEEP=0
OUT=
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ;;
    --profile) MODE=profile ;;
    --duration) DURATION=$2; shift ;;
    --keep) KEEP=1 ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

case "$MODE" in
  full) DURATION=${DURATION:-7}; WARMUP=4 ;;
  quick) DURATION=${DURATION:-3}; WARMUP=2 ;;
  profile) DURATION=${DURATION:-20}; WARMUP=8 ;;
esac

JAR=${KVRAFT_JAR:-target/kvraft.jar}
JAVA_OPTS=${KVRAFT_JAVA_OPTS:--Xmx256m}
BASE=${BENCH_PORT_BASE:-19000}
KEYS=10000
VALUE=100
OUT=${OUT:-bench/results/$(date +%Y%m%d-%H%M%S)-$MODE}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d /tmp/kvraft-bench.XXXXXX)
HZ=$(getconf CLK_TCK)

KV_PIDS=()
ETCD_PIDS=()
WRK_PID=

stop_all() { stop_pids TERM "${KV_PIDS[@]}" "${ETCD_PIDS[@]}"; }
stop_on_exit stop_all

# ------------------------------------------------------------------ prerequisites

if [ "$MODE" = profile ]; then
  install_missing wrk=wrk
else
  install_missing wrk=wrk etcd=etcd-server
fi
build_jar "$JAR"

ports_free "set BENCH_PORT_BASE to another range" $((BASE + 1)) $((BASE + 2)) $((BASE + 3)) \
  $((BASE + 11)) $((BASE + 12)) $((BASE + 13)) $((BASE + 21)) $((BASE + 22)) $((BASE + 23))

# ------------------------------------------------------------------ clusters

kv_url() { node_url "$BASE" "$1"; }
etcd_url() { echo "http://127.0.0.1:$((BASE + 10 + $1))"; }

start_kvraft() {
  kv_start "$BASE" "$JAR" "$JAVA_OPTS" "$WORK/kv"
  KV_PIDS+=("${KV_STARTED[@]}")
}

start_etcd() {
  local cluster="e1=http://127.0.0.1:$((BASE + 21)),e2=http://127.0.0.1:$((BASE + 22)),e3=http://127.0.0.1:$((BASE + 23))" i
  for i in 1 2 3; do
    etcd --name e$i --data-dir "$WORK/etcd-e$i" \
      --listen-client-urls "$(etcd_url $i)" --advertise-client-urls "$(etcd_url $i)" \
      --listen-peer-urls "http://127.0.0.1:$((BASE + 20 + i))" \
      --initial-advertise-peer-urls "http://127.0.0.1:$((BASE + 20 + i))" \
      --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token kvraft-bench \
      >"$WORK/etcd-e$i.log" 2>&1 &
    ETCD_PIDS+=($!)
  done
}

# The node number (1-3) of the current leader, or nothing.
kvraft_leader() { kv_leader "$BASE"; }

etcd_leader() {
  local i s me leader
  for i in 1 2 3; do
    s=$(curl -s --max-time 2 -X POST "$(etcd_url $i)/v3/maintenance/status" -d '{}' || true)
    me=$(sed -n 's/.*"member_id":"\([0-9]*\)".*/\1/p' <<<"$s")
    leader=$(sed -n 's/.*"leader":"\([0-9]*\)".*/\1/p' <<<"$s")
    if [ -n "$me" ] && [ "$me" = "$leader" ]; then
      echo "$i"
      return
    fi
  done
}

# ------------------------------------------------------------------ one measurement

pids_of() { if [ "$1" = kvraft ]; then echo "${KV_PIDS[*]}"; else echo "${ETCD_PIDS[*]}"; fi; }


# run SYSTEM OP CONNS VIA SECONDS -> appends one TSV row to $OUT/results.tsv (unless VIA is "-")
run() {
  local sys=$1 op=$2 conns=$3 via=$4 secs=$5 node url threads t0 t1 res
  wait_for_leader "${sys}_leader"
  if [ "$via" = follower ]; then node=$((LEADER % 3 + 1)); else node=$LEADER; fi
  if [ "$sys" = kvraft ]; then url=$(kv_url "$node"); else url=$(etcd_url "$node"); fi
  threads=$((conns < 2 ? 1 : 2))
  # shellcheck disable=SC2046
  t0=$(cpu_ticks $(pids_of "$sys"))
  BENCH_SYSTEM=$sys BENCH_OP=$op BENCH_KEYS=$KEYS BENCH_VALUE=$VALUE \
    wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 10s -s bench/load.lua "$url" \
    >"$WORK/wrk.out" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || true
  WRK_PID=
  # shellcheck disable=SC2046
  t1=$(cpu_ticks $(pids_of "$sys"))
  cat "$WORK/wrk.out" >>"$OUT/wrk.log"
  res=$(grep '^RESULT' "$WORK/wrk.out" || true)
  if [ -z "$res" ]; then
    log "wrk failed for $sys $op $conns $via:"
    cat "$WORK/wrk.out" >&2
    return
  fi
  # shellcheck disable=SC2086
  local requests duration_us p50_us p99_us p999_us max_us err_connect err_read err_write err_status err_timeout
  eval "$(sed 's/^RESULT //; s/ /;/g' <<<"$res")"
  local errors=$((err_connect + err_read + err_write + err_status + err_timeout))
  local ops cpu
  ops=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
  cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
  log "$(printf '%-6s %-6s %3s %-8s %8s ops/s  p50 %6.2f  p99 %6.2f  p999 %6.2f ms  cpu %6s s  errors %s' \
    "$sys" "$op" "$conns" "$via" "$ops" "$(awk -v x="$p50_us" 'BEGIN{print x/1000}')" \
    "$(awk -v x="$p99_us" 'BEGIN{print x/1000}')" "$(awk -v x="$p999_us" 'BEGIN{print x/1000}')" "$cpu" "$errors")"
  if [ "$via" != "-" ]; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$op" "$conns" "$via" "$sys" "$ops" "$p50_us" "$p99_us" \
      "$p999_us" "$cpu" "$errors" "$requests" >>"$OUT/results.tsv"
  fi
}

# Writes every key once, so reads find a value and both systems hold the same data.
fill() {
  wait_for_leader "${1}_leader"
  BENCH_SYSTEM=$1 BENCH_OP=fill BENCH_KEYS=$KEYS BENCH_VALUE=$VALUE \
    wrk -t1 -c64 -d60s --timeout 10s -s bench/load.lua "$("${1/kvraft/kv}_url" "$LEADER")" \
    >"$WORK/fill.out" 2>&1 || { cat "$WORK/fill.out" >&2; exit 1; }
}

print_table() {
  awk -F'\t' '
    function ms(us) { return sprintf("%.2f", us / 1000) }
    {
      key = $1 SUBSEP $2 SUBSEP $3
      if (!(key in seen)) { seen[key] = 1; order[++n] = key }
      ops[key, $4] = $5; p50[key, $4] = $6; p99[key, $4] = $7; p999[key, $4] = $8; cpu[key, $4] = $9
      err[key, $4] = $10; req[key, $4] = $11
    }
    END {
      printf "| load | conns | via | kvraft ops/s | kvraft p50/p99/p999 ms | kvraft CPU s (µs/op) | etcd ops/s | etcd p50/p99/p999 ms | etcd CPU s (µs/op) | ops ratio | p50 ratio | errors k/e |\n"
      printf "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
      for (i = 1; i <= n; i++) {
        k = order[i]; split(k, f, SUBSEP)
        line = "| " f[1] " | " f[2] " | " f[3]
        for (s = 1; s <= 2; s++) {
          sys = s == 1 ? "kvraft" : "etcd"
          if ((k, sys) in ops) {
            line = line sprintf(" | %d | %s / %s / %s | %.1f (%.0f)", ops[k, sys], ms(p50[k, sys]), ms(p99[k, sys]),
              ms(p999[k, sys]), cpu[k, sys], req[k, sys] > 0 ? cpu[k, sys] * 1e6 / req[k, sys] : 0)
          } else {
            line = line " | n/a | n/a | n/a"
          }
        }
        if (((k, "kvraft") in ops) && ((k, "etcd") in ops) && ops[k, "etcd"] > 0 && p50[k, "etcd"] > 0) {
          line = line sprintf(" | %.2f | %.2f", ops[k, "kvraft"] / ops[k, "etcd"], p50[k, "kvraft"] / p50[k, "etcd"])
        } else {
          line = line " | n/a | n/a"
        }
        ek = ((k, "kvraft") in err) ? err[k, "kvraft"] : "-"
        ee = ((k, "etcd") in err) ? err[k, "etcd"] : "-"
        print line " | " ek "/" ee " |"
      }
    }' "$OUT/results.tsv"
}

# ------------------------------------------------------------------ the matrix

START=$(date +%s)
log "mode $MODE, ${DURATION}s per run; results in $OUT; work dir $WORK"
log "kvraft: $JAR with $JAVA_OPTS on ports $((BASE + 1))-$((BASE + 3)); etcd $(etcd --version 2>/dev/null | head -1 | awk '{print $3}') on $((BASE + 11))-$((BASE + 13))"
start_kvraft
[ "$MODE" = profile ] || start_etcd
SYSTEMS=(kvraft etcd)
[ "$MODE" = profile ] && SYSTEMS=(kvraft)
for sys in "${SYSTEMS[@]}"; do
  wait_for_leader "${sys}_leader"
  log "$sys leader: node $LEADER"
  fill "$sys"
  # Warm-up, not recorded: every kind of request, so the JVM has compiled each path before it is measured.
  for op in put get stale mix; do
    [ "$MODE" = profile ] && [ "$op" != put ] && continue
    run "$sys" "$op" 16 leader "$WARMUP" -
  done
done
: >"$OUT/results.tsv"

if [ "$MODE" = profile ]; then
  wait_for_leader kvraft_leader
  pid=${KV_PIDS[$((LEADER - 1))]}
  read -r pop pconns <<<"${BENCH_PROFILE_LOAD:-put 16}"
  jcmd "$pid" JFR.start name=bench settings=profile >/dev/null
  # Per-thread CPU halfway through, which also shows GC and JIT threads (JFR samples only Java code).
  (sleep $((DURATION / 2)); top -H -b -n1 -d 2 -p "$pid" | sed -n '7,25p' >"$OUT/threads.txt") &
  top_pid=$!
  run kvraft "$pop" "$pconns" leader "$DURATION"
  wait "$top_pid"
  jcmd "$pid" JFR.stop name=bench filename="$OUT/leader.jfr" >/dev/null
  { echo "leader threads by CPU halfway through:"; cat "$OUT/threads.txt"; echo; } | tee "$OUT/profile.txt"
  bench/jfr-top.sh "$OUT/leader.jfr" | tee -a "$OUT/profile.txt"
  exit 0
fi

ROWS=()
if [ "$MODE" = quick ]; then
  ROWS=("put 1 leader" "put 16 leader" "put 64 leader" "get 16 leader" "stale 16 leader" "mix 16 leader"
    "put 16 follower" "get 16 follower" "append 16 leader")
else
  # append last: it grows kvraft's values, which would make later kvraft reads move more bytes than etcd's.
  for op in put get stale mix append; do
    for via in leader follower; do
      for conns in 1 16 64; do ROWS+=("$op $conns $via"); done
    done
  done
fi

r=0
for row in "${ROWS[@]}"; do
  read -r op conns via <<<"$row"
  if [ $((r % 2)) = 0 ]; then order=(kvraft etcd); else order=(etcd kvraft); fi
  for sys in "${order[@]}"; do
    if [ "$sys" = etcd ] && [ "$op" = append ]; then continue; fi
    run "$sys" "$op" "$conns" "$via" "$DURATION"
  done
  r=$((r + 1))
done

{
  echo "kvraft vs etcd $(etcd --version | head -1 | awk '{print $3}'), 3 nodes each on loopback, fsync on; wrk, ${DURATION}s per run,"
  echo "100-byte values over $KEYS keys; $(nproc) cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "ratio = kvraft / etcd (ops: higher is better for kvraft; p50: lower is better). CPU = user+system of the 3 server"
  echo "processes during the run. etcd has no append: n/a. Took $(($(date +%s) - START)) s."
  echo
  print_table
} | tee "$OUT/table.md"
