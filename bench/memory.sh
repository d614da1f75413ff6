#!/usr/bin/env bash
# Memory sizing: what N keys of 100 bytes (default 1,000,000) cost in heap, and the smallest -Xmx a node holding
# them needs to load, snapshot and restart.
#
#   bench/memory.sh             both parts (about 15 minutes for the default four heaps)
#   bench/memory.sh --inproc    part 1 only, about a minute: io.kvraft.bench.MemoryBench in one JVM (-Xmx1g) fills a
#                               KvStateMachine through KvApplier and reports live heap per key, the extra heap and
#                               the pause of a snapshot capture, and the extra heap of a restore beside the old state
#   bench/memory.sh --node      part 2 only: for each heap, a real single node (java -Xmx<heap> -jar kvraft.jar) with
#                               a small snapshot threshold is loaded with every key by wrk (bench/fill.lua), checked
#                               (key count by listing, a sample of values), restarted and checked again
# Options: --keys N, --heaps "256m 384m 512m 768m", --connections C (wrk, default 32), --keep (keep data and logs),
# --out DIR (default bench/results/<time>-memory).
# Env: MEM_PORT (default 39001), MEM_JAVA_OPTS (extra node JVM options, e.g. -XX:+UseSerialGC),
#      MEM_SNAPSHOT_THRESHOLD (raft.snapshot.threshold-bytes, default 8388608: about 15 snapshots while loading 1M).
#
# A heap passes when: the node never dies (it runs with -XX:+ExitOnOutOfMemoryError), every PUT is acknowledged,
# the key count and the sample are right after loading and again after the restart, GC pauses take at most 10% of
# the loading time and no single pause reaches 1 s (the shortest election timeout: a leader paused that long loses
# its leadership). Every process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

MODE=both
KEYS=1000000
HEAPS="256m 384m 512m 768m"
CONNS=32
KEEP=0
OUT=
while [ $# -gt 0 ]; do
  case "$1" in
    --inproc) MODE=inproc ;;
    --node) MODE=node ;;
    --keys) KEYS=$2; shift ;;
    --heaps) HEAPS=$2; shift ;;
    --connections) CONNS=$2; shift ;;
    --keep) KEEP=1 ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

JAR=${KVRAFT_JAR:-target/kvraft.jar}
PORT=${MEM_PORT:-39001}
URL=http://127.0.0.1:$PORT
THRESHOLD=${MEM_SNAPSHOT_THRESHOLD:-8388608}
EXTRA_OPTS=${MEM_JAVA_OPTS:-}
VALUE=100
SAMPLE=200
OUT=${OUT:-bench/results/$(date +%Y%m%d-%H%M%S)-memory}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d /tmp/kvraft-memory.XXXXXX)

NODE_PID=
WRK_PID=

stop_node() {
  [ -n "$NODE_PID" ] || return 0
  kill "$NODE_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$NODE_PID" 2>/dev/null || true
  wait "$NODE_PID" 2>/dev/null || true
  NODE_PID=
}

stop_on_exit stop_node

# ------------------------------------------------------------------ part 1: in one JVM

if [ "$MODE" != node ]; then
  log "part 1: KvStateMachine with $KEYS keys in one JVM"
  test_classpath
  java -Xmx1g -cp "$TEST_CLASSPATH" io.kvraft.bench.MemoryBench \
    "$KEYS" "$VALUE" 100000 | tee "$OUT/inproc.txt"
fi
[ "$MODE" = inproc ] && exit 0

# ------------------------------------------------------------------ part 2: a real node per heap

for tool in wrk curl jq jcmd; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
build_jar "$JAR"
ports_free "set MEM_PORT to another" "$PORT"

# start_node HEAP DIR PHASE: the node's pid in NODE_PID; its GC log in DIR/gc-PHASE.log
start_node() {
  local heap=$1 dir=$2 phase=$3
  # shellcheck disable=SC2086
  java -Xmx"$heap" -XX:+ExitOnOutOfMemoryError $EXTRA_OPTS -Xlog:gc:file="$dir/gc-$phase.log":uptime \
    -jar "$JAR" --server.port="$PORT" --raft.node-id=n1 --raft.data-dir="$dir/data" \
    --raft.snapshot.threshold-bytes="$THRESHOLD" >"$dir/node-$phase.log" 2>&1 &
  NODE_PID=$!
}

# wait_ready SECONDS: 0 once /actuator/health/readiness answers 200, 1 if the node died or time ran out
wait_ready() {
  local deadline=$((SECONDS + $1))
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "$NODE_PID" 2>/dev/null || return 1
    curl -sf -o /dev/null --max-time 2 "$URL/actuator/health/readiness" && return 0
    sleep 0.5
  done
  return 1
}

count_keys() {
  local total=0 next="" page n
  while :; do
    page=$(curl -sf --max-time 30 "$URL/kv?prefix=user/&limit=1000${next:+&startAfter=$next}") || { echo -1; return; }
    n=$(jq '.keys | length' <<<"$page")
    total=$((total + n))
    next=$(jq -r '.next // ""' <<<"$page")
    [ -n "$next" ] || break
  done
  echo "$total"
}

expected_value() {
  local s=""
  while [ ${#s} -lt $VALUE ]; do s+="$1|"; done
  printf '%s' "${s:0:$VALUE}"
}

# check_sample: prints how many of SAMPLE random keys (and the first and last) read back wrong
check_sample() {
  local bad=0 i key
  for i in 0 $((KEYS - 1)) $(for _ in $(seq 1 $SAMPLE); do echo $(((RANDOM * 32768 + RANDOM) % KEYS)); done); do
    key=$(printf 'user/%09d' "$i")
    [ "$(curl -sf --max-time 10 "$URL/kv/$key")" = "$(expected_value "$key")" ] || bad=$((bad + 1))
  done
  echo "$bad"
}

# gc_stats FILE: "pause_ms_total pause_ms_max full_gcs live_mib first_live_mib" over the pauses the JVM chose (the
# full GCs this script asks for with jcmd are left out of the sums; the last and first give the live heap)
gc_stats() {
  awk '
    / Pause / && /ms$/ {
      ms = $NF; sub(/ms$/, "", ms); ms += 0
      if ($0 ~ /Diagnostic Command|System\.gc/) {
        if (match($0, /->[0-9]+M/)) { live = substr($0, RSTART + 2, RLENGTH - 3); if (first == "") first = live }
        next
      }
      total += ms; if (ms > max) max = ms
      if ($0 ~ /Pause Full/) full++
    }
    END { printf "%.0f %.0f %d %s %s\n", total, max, full, (live == "" ? "?" : live), (first == "" ? "?" : first) }' "$1"
}

# measure PHASE: forces a full GC (for the live heap in the GC log) and records the peak RSS
measure() {
  jcmd "$NODE_PID" GC.run >/dev/null 2>&1 || true
  sleep 1
  awk '/VmHWM/ { printf "%d\n", $2 / 1024 }' "/proc/$NODE_PID/status"
}

max_capture_ms() {
  grep -ho 'capture paused the loop [0-9]* ms' "$@" 2>/dev/null | awk '{ if ($5 > m) m = $5 } END { print m + 0 }'
}

printf 'heap\tload_s\tputs_per_s\tputs_ok\tload_gc_pct\tload_gc_max_ms\tload_full_gcs\tsnapshots\tcapture_max_ms\tlive_mib\trss_mib\tkeys\tbad_sample\trestart_ready_s\trestart_live_mib\trestart_rss_mib\trestart_keys\trestart_bad_sample\tverdict\tempty_live_mib\n' \
  >"$OUT/node.tsv"

for heap in $HEAPS; do
  dir=$WORK/$heap
  mkdir -p "$dir"
  log "part 2, -Xmx$heap: starting a node on $URL"
  verdict=ok
  load_s=- rate=- ok=0 gc_pct=- gc_max=- full=- snaps=0 cap=- live=- empty=- rss=- keys=- bad=-
  r_s=- r_live=- r_rss=- r_keys=- r_bad=-
  start_node "$heap" "$dir" load
  if ! wait_ready 120; then
    verdict="did not start"
  else
    measure >/dev/null # the live heap of the empty node, for the baseline
    log "loading $KEYS keys with wrk ($CONNS connections)"
    t0=$(date +%s.%N)
    MEM_KEYS=$KEYS MEM_VALUE=$VALUE MEM_DONE_FILE=$dir/wrk.done \
      wrk -t1 -c"$CONNS" -d$((KEYS / 200 + 300))s --timeout 10s -s bench/fill.lua "$URL" >"$dir/wrk.log" 2>&1 &
    WRK_PID=$!
    while kill -0 "$WRK_PID" 2>/dev/null; do
      # SIGINT makes wrk print its summary; it would otherwise sleep out -d after the last PUT
      if [ -f "$dir/wrk.done" ] || ! kill -0 "$NODE_PID" 2>/dev/null; then kill -INT "$WRK_PID" 2>/dev/null || true; fi
      sleep 0.5
    done
    wait "$WRK_PID" 2>/dev/null || true
    WRK_PID=
    load_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    ok=$(sed -n 's/.*RESULT puts_ok=\([0-9]*\).*/\1/p' "$dir/wrk.log")
    ok=${ok:-0}
    rate=$(awk -v n="$ok" -v s="$load_s" 'BEGIN { printf "%.0f", n / s }')
    if ! kill -0 "$NODE_PID" 2>/dev/null; then
      verdict="died while loading"
      grep -q OutOfMemoryError "$dir/node-load.log" && verdict="OutOfMemoryError while loading"
    else
      rss=$(measure)
      read -r gc_total gc_max full live empty < <(gc_stats "$dir/gc-load.log")
      gc_pct=$(awk -v ms="$gc_total" -v s="$load_s" 'BEGIN { printf "%.1f", ms / 10 / s }')
      snaps=$(grep -c 'snapshot .* saved' "$dir/node-load.log" || true)
      cap=$(max_capture_ms "$dir/node-load.log")
      log "checking: key count by listing, $SAMPLE sampled values"
      keys=$(count_keys)
      bad=$(check_sample)
      [ "$ok" = "$KEYS" ] && [ "$keys" = "$KEYS" ] && [ "$bad" = 0 ] || verdict="data wrong after loading"
      awk -v p="$gc_pct" 'BEGIN { exit !(p > 10) }' && verdict="GC thrash while loading"
      [ "$gc_max" -ge 1000 ] && verdict="GC pause >= 1 s while loading"
      stop_node
      log "restarting with -Xmx$heap"
      t1=$SECONDS
      start_node "$heap" "$dir" restart
      if ! wait_ready 300; then
        [ "$verdict" = ok ] && verdict="did not come back"
        grep -q OutOfMemoryError "$dir/node-restart.log" && verdict="OutOfMemoryError on restart"
      else
        r_s=$((SECONDS - t1))
        r_rss=$(measure)
        read -r _ _ _ r_live _ < <(gc_stats "$dir/gc-restart.log")
        r_keys=$(count_keys)
        r_bad=$(check_sample)
        if [ "$r_keys" != "$KEYS" ] || [ "$r_bad" != 0 ]; then
          [ "$verdict" = ok ] && verdict="data wrong after restart"
        fi
        grep -h 'restored snapshot' "$dir/node-restart.log" | sed 's/.*: restored/restored/' >&2 || true
      fi
    fi
  fi
  stop_node
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$heap" "$load_s" "$rate" \
    "$ok" "$gc_pct" "$gc_max" "$full" "$snaps" "$cap" "$live" "$rss" "$keys" "$bad" "$r_s" "$r_live" "$r_rss" \
    "$r_keys" "$r_bad" "$verdict" "$empty" >>"$OUT/node.tsv"
  log "-Xmx$heap: $verdict"
  for f in "$dir"/*.log; do cp "$f" "$OUT/$heap-$(basename "$f")"; done
  rm -rf "$dir/data"
done

{
  echo
  echo "| -Xmx | load s | PUT/s | GC pauses while loading: % of time / max ms / full GCs | snapshots (max capture ms) | live heap MiB: empty / loaded | peak RSS MiB | keys | restart: ready s / live MiB / keys | verdict |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  tail -n +2 "$OUT/node.tsv" | awk -F'\t' '{
    printf "| %s | %.0f | %s | %s / %s / %s | %s (%s) | %s / %s | %s | %s | %s / %s / %s | %s |\n",
      $1, $2, $3, $5, $6, $7, $8, $9, $20, $10, $11, $12, $14, $15, $17, $19 }'
} | tee "$OUT/table.md"
log "results in $OUT"
