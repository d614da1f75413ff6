#!/usr/bin/env bash
# Log compaction benchmark: what a 3-node cluster keeps on disk and how long a restart takes after many updates of
# few keys, without snapshots (the log is the whole history) and with them (defaults: the log is compacted).
#
#   bench/compaction.sh                   1,000,000 updates over 10,000 keys (100-byte values), both runs
#   bench/compaction.sh --updates 100000  fewer updates, for a quick look
# Options: --updates N, --keys N, --conns N (wrk connections, default 64), --only before|after (one run),
# --after-args "ARGS" (extra node arguments for the run with snapshots, e.g. "--raft.segment-bytes=8388608"),
# --keep (keep data dirs and logs), --out DIR (default bench/results/<time>-compaction).
# Env: KVRAFT_JAVA_OPTS (default -Xmx1g: without snapshots every node holds its whole log in memory),
# BENCH_PORT_BASE (default 19100: nodes on base+1..3).
#
# Each run starts a fresh 3-node cluster (fsync on) from a copy of target/kvraft.jar, writes the updates through the
# leader with wrk (bench/updates.lua), waits until every node has applied everything and any snapshot write has
# finished, and measures each data directory (log segments and snapshots). Then it kills all three nodes with
# SIGKILL (a crash: nothing is flushed or snapshotted on the way down), starts all three again at the same moment and
# times, per node, from its process start until /actuator/health/readiness is UP *and* it has applied at least the
# commit index the cluster had before the crash, i.e. until it serves everything it served before. That time
# includes JVM and Spring start, reading the log, a leader election and re-applying the log after the snapshot;
# the node's own log line says how many entries it had to replay and the JVM's how long Spring took to start.
# Every process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

UPDATES=1000000
KEYS=10000
VALUE=100
CONNS=64
ONLY=
AFTER_ARGS=
KEEP=0
OUT=
while [ $# -gt 0 ]; do
  case "$1" in
    --updates) UPDATES=$2; shift ;;
    --keys) KEYS=$2; shift ;;
    --conns) CONNS=$2; shift ;;
    --only) ONLY=$2; shift ;;
    --after-args) AFTER_ARGS=$2; shift ;;
    --keep) KEEP=1 ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$ONLY" in ""|before|after) ;; *) echo "--only takes before or after" >&2; exit 2 ;; esac

JAVA_OPTS=${KVRAFT_JAVA_OPTS:--Xmx1g}
BASE=${BENCH_PORT_BASE:-19100}
OUT=${OUT:-bench/results/$(date +%Y%m%d-%H%M%S)-compaction}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d /tmp/kvraft-compaction.XXXXXX)
THREADS=$((CONNS < 2 ? 1 : 2))

PIDS=()
WRK_PID=

stop_nodes() {
  stop_pids "$1" "${PIDS[@]}"
  PIDS=()
}

stop_on_exit stop_nodes TERM

# ------------------------------------------------------------------ prerequisites

install_missing wrk=wrk
build_jar target/kvraft.jar
# A copy, so that rebuilding meanwhile cannot change the jar between a run and its restart.
JAR="$WORK/kvraft.jar"
cp target/kvraft.jar "$JAR"

ports_free "set BENCH_PORT_BASE to another range" $((BASE + 1)) $((BASE + 2)) $((BASE + 3))

# ------------------------------------------------------------------ cluster

url() { node_url "$BASE" "$1"; }

# start_nodes RUN EXTRA_ARGS... : starts n1-n3 with data in $WORK/RUN/n<i>; sets START_NS[i] to each launch time.
start_nodes() {
  local run=$1
  shift
  kv_start "$BASE" "$JAR" "$JAVA_OPTS" "$WORK/$run" "$@"
  PIDS+=("${KV_STARTED[@]}")
}

# A number from a node's /actuator/health details (commitIndex, lastApplied), or empty.
health_field() {
  curl -s --max-time 2 "$(url "$1")/actuator/health" | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}

# Waits until every node has applied the leader's commit index; sets COMMIT to it.
wait_for_applied() {
  local i a ok
  for _ in $(seq 1 1200); do
    wait_for_leader kv_leader "$BASE"
    COMMIT=$(health_field "$LEADER" commitIndex)
    ok=1
    for i in 1 2 3; do
      a=$(health_field $i lastApplied)
      if [ -z "$a" ] || [ -z "$COMMIT" ] || [ "$a" -lt "$COMMIT" ]; then ok=0; fi
    done
    [ "$ok" = 1 ] && return
    sleep 0.2
  done
  echo "nodes did not catch up within 240 s; logs in $WORK" >&2
  KEEP=1
  exit 1
}

bytes_of() { if [ -e "$1" ]; then du -sb "$1" | cut -f1; else echo 0; fi; }
files_of() { if [ -d "$1" ]; then find "$1" -type f -name "$2" | wc -l; else echo 0; fi; }

# ------------------------------------------------------------------ one run

# measure RUN EXTRA_ARGS... -> rows in $OUT/results.tsv
measure() {
  local run=$1 i res
  shift
  log "[$run] starting 3 nodes ${*:-(defaults)}"
  start_nodes "$run" "$@"
  wait_for_leader kv_leader "$BASE"
  log "[$run] leader n$LEADER; writing $UPDATES updates over $KEYS keys with $CONNS connections"
  BENCH_UPDATES=$UPDATES BENCH_KEYS=$KEYS BENCH_VALUE=$VALUE BENCH_THREADS=$THREADS \
    BENCH_DONE_DIR="$WORK/$run" \
    wrk -t"$THREADS" -c"$CONNS" -d3600s --timeout 10s -s bench/updates.lua "$(url "$LEADER")" \
    >"$WORK/$run/wrk.out" 2>&1 &
  WRK_PID=$!
  # wrk sleeps out -d even after every thread stopped; interrupt it once all have their share.
  while kill -0 "$WRK_PID" 2>/dev/null && [ "$(find "$WORK/$run" -name 'done-*' | wc -l)" -lt "$THREADS" ]; do
    sleep 0.1
  done
  kill -INT "$WRK_PID" 2>/dev/null || true
  wait "$WRK_PID" || true
  WRK_PID=
  cat "$WORK/$run/wrk.out" >>"$OUT/wrk.log"
  res=$(grep '^RESULT' "$WORK/$run/wrk.out" || true)
  if [ -z "$res" ]; then
    log "[$run] wrk failed:"
    cat "$WORK/$run/wrk.out" >&2
    exit 1
  fi
  local requests duration_us p50_us p99_us max_us err_connect err_read err_write err_status err_timeout
  eval "$(sed 's/^RESULT //; s/ /;/g' <<<"$res")"
  local rate errors
  rate=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
  errors=$((err_connect + err_read + err_write + err_status + err_timeout))
  log "[$run] $requests requests in $((duration_us / 1000000)) s: $rate writes/s, p50 $((p50_us / 1000)) ms," \
    "p99 $((p99_us / 1000)) ms, $errors errors"

  wait_for_applied
  # Let a snapshot triggered by the last writes finish and compact before measuring the disk.
  sleep 3
  wait_for_applied
  local target=$COMMIT
  log "[$run] all nodes applied $target; sizes on disk:"
  declare -A seg_b seg_n snap_b snap_n total_b
  for i in 1 2 3; do
    local d="$WORK/$run/n$i"
    seg_b[$i]=$(bytes_of "$d/raft")
    seg_n[$i]=$(files_of "$d/raft" '*.seg')
    snap_b[$i]=$(bytes_of "$d/snapshots")
    snap_n[$i]=$(files_of "$d/snapshots" '*.snap')
    total_b[$i]=$(bytes_of "$d")
    log "  n$i: log ${seg_b[$i]} B in ${seg_n[$i]} segments, snapshots ${snap_b[$i]} B in ${snap_n[$i]} files"
  done

  log "[$run] kill -9 of all three nodes, then starting all three again"
  stop_nodes KILL
  for i in 1 2 3; do echo "----- restart after kill -9 -----" >>"$WORK/$run/n$i.log"; done
  start_nodes "$run" "$@"
  declare -A ready_s=()
  local deadline=$(($(date +%s) + 600)) now a nready=0
  while [ "$nready" -lt 3 ]; do
    if [ "$(date +%s)" -gt "$deadline" ]; then
      echo "nodes not ready within 600 s after the restart; logs in $WORK" >&2
      KEEP=1
      exit 1
    fi
    for i in 1 2 3; do
      [ -n "${ready_s[$i]:-}" ] && continue
      if curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$(url $i)/actuator/health/readiness" | grep -q 200; then
        a=$(health_field $i lastApplied)
        if [ -n "$a" ] && [ "$a" -ge "$target" ]; then
          now=$(date +%s%N)
          ready_s[$i]=$(awk -v a="${START_NS[$i]}" -v b="$now" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
          nready=$((nready + 1))
        fi
      fi
    done
    sleep 0.05
  done
  for i in 1 2 3; do
    local l="$WORK/$run/n$i.log" replayed started rss
    # The restart's own lines: everything after the marker.
    replayed=$(sed -n '/restart after kill -9/,$p' "$l" | sed -n 's/.*replaying \([0-9]*\) log entries.*/\1/p' | tail -1)
    started=$(sed -n '/restart after kill -9/,$p' "$l" | sed -n 's/.*Started KvraftApplication in \([0-9.]*\) seconds.*/\1/p' | tail -1)
    rss=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/${PIDS[$((i - 1))]}/status" 2>/dev/null || echo "?")
    log "  n$i: ready after ${ready_s[$i]} s (Spring started in ${started:-?} s), replayed $replayed entries, RSS $rss MiB"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "n$i" "${seg_b[$i]}" "${seg_n[$i]}" \
      "${snap_b[$i]}" "${snap_n[$i]}" "${total_b[$i]}" "$replayed" "${ready_s[$i]}" "${started:-?}" "$rss" \
      "$target" "$rate" >>"$OUT/results.tsv"
  done
  stop_nodes TERM
}

print_table() {
  awk -F'\t' '
    function mib(b) { return sprintf("%.1f", b / 1048576) }
    BEGIN {
      print "| run | node | log segments MiB (files) | snapshots MiB (files) | data dir MiB | entries replayed | ready after restart s | Spring start s | ready − start s | RSS MiB |"
      print "|---|---|---|---|---|---|---|---|---|---|"
    }
    {
      after = ($10 == "?") ? "?" : sprintf("%.2f", $9 - $10)
      printf "| %s | %s | %s (%s) | %s (%s) | %s | %s | %s | %s | %s | %s |\n", $1, $2, mib($3), $4, mib($5), $6, mib($7),
        $8, $9, $10, after, $11
    }' "$OUT/results.tsv"
}

START=$(date +%s)
: >"$OUT/results.tsv"
log "results in $OUT; work dir $WORK; $JAVA_OPTS"
if [ "$ONLY" != after ]; then
  measure before --raft.snapshot.enabled=false
fi
if [ "$ONLY" != before ]; then
  # shellcheck disable=SC2086
  measure after $AFTER_ARGS
fi

{
  echo "Log compaction: $UPDATES updates over $KEYS keys ($VALUE-byte values) through the leader of a 3-node loopback"
  echo "cluster, fsync on, wrk with $CONNS connections; then kill -9 of all three nodes and a simultaneous restart."
  echo "before = raft.snapshot.enabled=false (the log is the whole history), after = snapshots on (defaults${AFTER_ARGS:+ and $AFTER_ARGS})."
  awk -F'\t' '!seen[$1]++ { printf "%s: %s writes/s, commit index %s before the crash. ", $1, $13, $12 }' "$OUT/results.tsv"
  echo
  echo "ready = from process start until /actuator/health/readiness is UP and the node has applied that commit index"
  echo "again (JVM and Spring start, log read, election, replay). Spring start = what Spring logs for its start, which"
  echo "includes reading the log and loading the snapshot (the Raft node is built then); ready − start is mostly the"
  echo "election and re-applying the log after the snapshot. RSS = resident memory once ready. $(nproc) cores; load"
  echo "average at the end:"
  echo "$(cut -d' ' -f1-3 /proc/loadavg). Took $(($(date +%s) - START)) s."
  echo
  print_table
} | tee "$OUT/table.md"
