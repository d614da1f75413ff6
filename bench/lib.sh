# shellcheck shell=bash disable=SC2034  # sets variables (LEADER, KEEP, START_NS, ...) for the scripts that source it
# What the bench scripts share: starting a 3-node kvraft cluster, finding and waiting for its leader, stopping what
# was started, and their prerequisites. Sourced (not run) from the repository root by bench/*.sh, which set
# -euo pipefail themselves.

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }

# node_url BASE I: the URL of node nI of the cluster on ports BASE+1..BASE+3.
node_url() { echo "http://127.0.0.1:$(($1 + $2))"; }

# kv_start BASE JAR "JAVA_OPTS" DIR [NODE_ARGS...]: starts n1-n3 of a cluster on ports BASE+1..3 in the background,
# node nI with its data in DIR/nI and its output appended to DIR/nI.log. Sets KV_STARTED to their pids and
# START_NS[I] to the time each was launched (date +%s%N).
declare -a START_NS KV_STARTED
kv_start() {
  local base=$1 jar=$2 opts=$3 dir=$4 peers i
  shift 4
  peers="n1=$(node_url "$base" 1),n2=$(node_url "$base" 2),n3=$(node_url "$base" 3)"
  mkdir -p "$dir"
  KV_STARTED=()
  for i in 1 2 3; do
    START_NS[i]=$(date +%s%N)
    # shellcheck disable=SC2086
    java $opts -jar "$jar" --server.port=$((base + i)) --raft.node-id=n$i --raft.peers="$peers" \
      --raft.data-dir="$dir/n$i" "$@" >>"$dir/n$i.log" 2>&1 &
    KV_STARTED+=($!)
    disown # no "Killed" notice from bash when it is killed with -9
  done
}

# stop_on_exit COMMAND [ARGS...]: on exit, also on Ctrl-C or TERM, stops wrk ($WRK_PID), runs the command (which
# stops what the script started) and removes $WORK unless KEEP=1; the script exits with its own status.
stop_on_exit() {
  STOP_COMMAND=("$@")
  trap _stop_and_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
_stop_and_exit() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "${WRK_PID:-}" ]; then kill "$WRK_PID" 2>/dev/null || true; fi
  "${STOP_COMMAND[@]}"
  if [ "${KEEP:-0}" = 1 ]; then
    log "data and logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}

# kv_leader BASE: the node number (1-3) of the node that says it leads in /actuator/health, or nothing.
kv_leader() {
  local i
  for i in 1 2 3; do
    if curl -s --max-time 2 "$(node_url "$1" $i)/actuator/health" | grep -q '"role":"LEADER"'; then
      echo "$i"
      return
    fi
  done
}

# wait_for_leader COMMAND [ARGS...]: runs the command (kv_leader BASE, or another system's) until it prints a leader,
# for up to 120 s, and sets LEADER to it; if none comes, says so, keeps the work directory (KEEP=1) and exits.
wait_for_leader() {
  for _ in $(seq 1 600); do
    LEADER=$("$@")
    [ -n "$LEADER" ] && return
    sleep 0.2
  done
  echo "no leader after 120 s ($*); logs in ${WORK:-?}" >&2
  KEEP=1
  exit 1
}

# stop_pids SIGNAL PID...: sends the signal, gives each process 10 s to exit, then kills it with -9.
stop_pids() {
  local sig=$1 p
  shift
  for p in "$@"; do kill "-$sig" "$p" 2>/dev/null || true; done
  for p in "$@"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
}

# cpu_ticks PID...: user + system clock ticks the processes have used (0 for one that is gone).
cpu_ticks() {
  local total=0 p t
  for p in "$@"; do
    t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
    total=$((total + t))
  done
  echo "$total"
}

# ports_free HINT PORT...: exits, naming HINT (how to move them), if something already listens on one of the ports.
ports_free() {
  local hint=$1 port
  shift
  for port in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "port $port is in use; $hint" >&2
      exit 1
    fi
  done
}

# install_missing COMMAND=PACKAGE...: installs with apt-get (as root) the packages whose command is missing, or
# exits saying what to install.
install_missing() {
  local need=() c
  for c in "$@"; do
    command -v "${c%%=*}" >/dev/null || need+=("${c#*=}")
  done
  if [ ${#need[@]} -eq 0 ]; then
    return
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing ${need[*]} with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing ${need[*]}: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
}

# build_jar JAR: builds the kvraft jar if it is missing.
build_jar() {
  if [ ! -f "$1" ]; then
    log "building $1"
    mvn -B -q -DskipTests package
  fi
}

# test_classpath: compiles the test classes; sets TEST_CLASSPATH to them, the main classes and every dependency.
test_classpath() {
  local cp_file=target/bench-classpath.txt
  mvn -B -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile="$cp_file" \
    -Dmdep.includeScope=test >/dev/null
  TEST_CLASSPATH="target/classes:target/test-classes:$(cat "$cp_file")"
}
