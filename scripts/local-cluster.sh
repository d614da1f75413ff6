#!/usr/bin/env bash
# Runs a 3-node kvraft cluster on loopback (ports 9001-9003) for trying it out.
#   scripts/local-cluster.sh start|stop|status
# Data and logs go to ./local-cluster/ (override with KVRAFT_CLUSTER_DIR); the jar is target/kvraft.jar
# (build it with: mvn -B -DskipTests package). KVRAFT_JAVA_OPTS sets each node's JVM options (default -Xmx256m, for
# trying things out; README.md "Sizing" says what a node needs for more data).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${KVRAFT_CLUSTER_DIR:-./local-cluster}
JAR=${KVRAFT_JAR:-target/kvraft.jar}
PEERS="n1=http://127.0.0.1:9001,n2=http://127.0.0.1:9002,n3=http://127.0.0.1:9003"

start() {
  [ -f "$JAR" ] || { echo "no $JAR: run 'mvn -B -DskipTests package' first" >&2; exit 1; }
  mkdir -p "$DIR"
  for i in 1 2 3; do
    if [ -f "$DIR/n$i.pid" ] && kill -0 "$(cat "$DIR/n$i.pid")" 2>/dev/null; then
      echo "n$i already running (pid $(cat "$DIR/n$i.pid"))"
      continue
    fi
    nohup java ${KVRAFT_JAVA_OPTS:--Xmx256m} -jar "$JAR" --server.port=900$i --raft.node-id=n$i \
      --raft.peers="$PEERS" --raft.data-dir="$DIR/n$i" >"$DIR/n$i.log" 2>&1 &
    echo $! >"$DIR/n$i.pid"
    echo "n$i started on http://127.0.0.1:900$i (pid $!, log $DIR/n$i.log)"
  done
  for i in 1 2 3; do
    for _ in $(seq 1 120); do
      curl -sf "http://127.0.0.1:900$i/actuator/health" >/dev/null 2>&1 && break
      sleep 0.5
    done
  done
  status
}

stop() {
  for i in 1 2 3; do
    if [ -f "$DIR/n$i.pid" ]; then
      kill "$(cat "$DIR/n$i.pid")" 2>/dev/null && echo "n$i stopped" || echo "n$i was not running"
      rm -f "$DIR/n$i.pid"
    fi
  done
}

status() {
  for i in 1 2 3; do
    printf 'n%s http://127.0.0.1:900%s  ' "$i" "$i"
    curl -s --max-time 2 "http://127.0.0.1:900$i/actuator/health" |
      sed -n 's/.*"raft":{"status":"\([A-Z]*\)","details":{\([^}]*\)}.*/\1 \2/p' || true
    echo
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
