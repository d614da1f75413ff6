#!/usr/bin/env bash
# Builds the image from the project's Dockerfile and runs docker-compose.yml as shipped, for real (issue 18).
#
# Needs root and target/kvraft.jar (mvn -B -DskipTests package, or mvn -B verify). Installs docker.io, docker-compose
# and debootstrap when they are missing, starts its own dockerd (data root under target/image-smoke/, its own socket,
# pidfile and exec root), makes a Debian bookworm JRE base image with debootstrap (no image can be pulled here) and
# caches it as a tar under target/image-smoke/base/, builds the Dockerfile on it with --build-arg BASE_IMAGE, then
# checks the three-member compose cluster. On exit it removes its containers, volumes and network, stops what it
# started by PID and removes the iptables rules and chains its dockerd added.
#
# Exit: 0 every check passed; 1 a check or a build step failed; 77 Docker cannot run on this machine (not a pass),
# or 1 for that too with KVRAFT_REQUIRE_DOCKER=1 (CI, where it must run).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/target/image-smoke
COMPOSE_FILE=$ROOT/docker-compose.yml
JAR=$ROOT/target/kvraft.jar
SUITE=bookworm
BASE_PACKAGES=(openjdk-17-jre-headless curl)
STOP_GRACE=10 # docker stop's default, which compose's restart uses too

declare -a STEP_NAMES=() STEP_SECS=()
CHECKS_PASSED=0 CHECKING=0
step_name="" step_start=0
step() {
  step_end
  step_name=$1
  step_start=$SECONDS
  echo "== $1"
}
step_end() {
  if [ -n "$step_name" ]; then
    STEP_NAMES+=("$step_name")
    STEP_SECS+=($((SECONDS - step_start)))
    step_name=""
  fi
}
fail() {
  echo "image-smoke: FAILED: $*" >&2
  exit 1
}
# check NAME: a step that is one of the cluster checks; the previous one, ended without failing, passed
check() {
  CHECKS_PASSED=$((CHECKS_PASSED + CHECKING))
  CHECKING=1
  step "check: $1"
}
cannot_run() {
  {
    echo "################################################################################"
    if [ "${KVRAFT_REQUIRE_DOCKER:-}" = 1 ]; then
      echo "image-smoke: FAILED: Docker cannot run on this machine, and KVRAFT_REQUIRE_DOCKER=1 requires it."
    else
      echo "image-smoke: SKIPPED, NOT PASSED: Docker cannot run on this machine."
    fi
    echo "image-smoke: $*"
    echo "################################################################################"
  } >&2
  [ "${KVRAFT_REQUIRE_DOCKER:-}" = 1 ] && exit 1
  exit 77
}

# ---- cleanup: everything this script started or created, by PID and by name ----
DOCKERD_PID="" EXEC_ROOT="" DATA_ROOT="" PROJECT="" IP_FORWARD_BEFORE="" IPTABLES_BEFORE=""
cleanup() {
  local rc=$?
  set +e
  step_end
  if [ -n "$PROJECT" ] && [ -n "$DOCKERD_PID" ]; then
    if [ "$rc" -ne 0 ]; then
      echo "== member logs (last 40 lines each)"
      for c in $(compose ps -q 2>/dev/null); do
        echo "--- $(docker inspect -f '{{.Name}}' "$c")"
        docker logs --tail 40 "$c" 2>&1
      done
    fi
    compose down --volumes --remove-orphans --timeout 5 >/dev/null 2>&1
    left=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")
    [ -z "$left" ] || docker rm -f -v $left >/dev/null 2>&1
  fi
  if [ -n "$DOCKERD_PID" ]; then
    kill -TERM "$DOCKERD_PID" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$DOCKERD_PID" 2>/dev/null
    # dockerd's own containerd, started as its child with a pidfile in the exec root
    local cpid
    cpid=$(cat "$EXEC_ROOT/containerd/containerd.pid" 2>/dev/null)
    if [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null; then
      kill -TERM "$cpid"
      sleep 2
      kill -KILL "$cpid" 2>/dev/null
    fi
  fi
  for root in "$EXEC_ROOT" "$DATA_ROOT" "$WORK/base/rootfs"; do
    [ -n "$root" ] || continue
    # mounts dockerd or the chroot left: deepest first
    awk -v r="$root/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  done
  [ -n "$IPTABLES_BEFORE" ] && restore_iptables
  [ -n "$IP_FORWARD_BEFORE" ] && echo "$IP_FORWARD_BEFORE" >/proc/sys/net/ipv4/ip_forward
  [ -n "$EXEC_ROOT" ] && rm -rf "$EXEC_ROOT"
  if [ ${#STEP_NAMES[@]} -gt 0 ]; then
    echo "== times"
    for i in "${!STEP_NAMES[@]}"; do printf '%6ss  %s\n' "${STEP_SECS[$i]}" "${STEP_NAMES[$i]}"; done
    printf '%6ss  %s\n' "$SECONDS" "total"
  fi
  case $rc in
    0) echo "image-smoke: $((CHECKS_PASSED + CHECKING)) passed, 0 failed, 1 skipped" ;;
    77) ;;
    *) echo "image-smoke: $CHECKS_PASSED passed, 1 failed" ;;
  esac
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Puts back the tables Docker uses as they were before dockerd started: its rules, chains and policies removed (it
# leaves them behind when it stops), and a table that did not exist before deleted again once empty.
restore_iptables() {
  local t before after rule chain policy c
  for t in filter nat; do
    before=$(sed -n "/^\*$t\$/,/^COMMIT/p" "$IPTABLES_BEFORE")
    after=$(iptables-save -t "$t")
    local new_chains
    new_chains=$(comm -13 <(awk '/^:/ && $2 == "-" {print substr($1, 2)}' <<<"$before" | sort) \
      <(awk '/^:/ && $2 == "-" {print substr($1, 2)}' <<<"$after" | sort))
    # rules added to the built-in or older chains (Docker's jumps from FORWARD, PREROUTING, ...): deleted by spec
    comm -13 <(grep '^-A ' <<<"$before" | sort) <(grep '^-A ' <<<"$after" | sort) | while read -r rule; do
      chain=$(awk '{print $2}' <<<"$rule")
      grep -qx "$chain" <<<"$new_chains" && continue
      eval "iptables -t $t -D ${rule#-A }" || echo "image-smoke: could not delete iptables rule: $rule" >&2
    done
    # chains Docker created: emptied first, as they jump to one another, then deleted
    for c in $new_chains; do iptables -t "$t" -F "$c"; done
    for c in $new_chains; do iptables -t "$t" -X "$c" || echo "image-smoke: could not delete iptables chain $t/$c" >&2; done
    # built-in chains' policies (Docker sets FORWARD to DROP); ACCEPT where the table did not exist
    awk '/^:/ && $2 != "-" {print substr($1, 2), $2}' <<<"$after" | while read -r chain policy; do
      was=$(awk -v c=":$chain" '$1 == c {print $2}' <<<"$before")
      [ "$policy" = "${was:-ACCEPT}" ] || iptables -t "$t" -P "$chain" "${was:-ACCEPT}"
    done
    if [ -z "$before" ] && iptables -V | grep nf_tables >/dev/null && command -v nft >/dev/null &&
      ! iptables-save -t "$t" | grep -E '^-A |^:[^ ]+ - ' >/dev/null; then
      nft delete table ip "$t"
    fi
  done
}

docker() { "$DOCKER_BIN" -H "unix://$EXEC_ROOT/docker.sock" "$@"; }
compose() {
  DOCKER_HOST="unix://$EXEC_ROOT/docker.sock" docker-compose -p "$PROJECT" -f "$COMPOSE_FILE" \
    --env-file "$WORK/compose.env" "$@"
}

# ---- 1. tools ----
step "tools"
[ -f "$JAR" ] || fail "$JAR is missing: build it first (mvn -B -DskipTests package)"
[ "$(id -u)" -eq 0 ] || cannot_run "it must run as root (it starts its own dockerd)"
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v jq >/dev/null || missing+=(jq)
command -v iptables-save >/dev/null || missing+=(iptables)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; } >"$ROOT/target/image-smoke-apt.log" 2>&1 ||
    cannot_run "apt-get install ${missing[*]} failed: see target/image-smoke-apt.log"
fi
# The client from the same package as the daemon: another docker earlier on the PATH may speak a newer API or want
# buildx.
DOCKER_BIN=$(dirname "$(command -v dockerd)")/../bin/docker
[ -x "$DOCKER_BIN" ] || DOCKER_BIN=$(command -v docker)
mkdir -p "$WORK/docker" "$WORK/base"

# ---- 2. dockerd of our own ----
step "start dockerd"
IPTABLES_BEFORE=$WORK/iptables.before
iptables-save >"$IPTABLES_BEFORE" 2>/dev/null || cannot_run "iptables-save fails: no netfilter here"
IP_FORWARD_BEFORE=$(cat /proc/sys/net/ipv4/ip_forward)
# A short exec root: dockerd binds unix sockets named by 64-hex ids inside it, and a socket path may be at most 107
# bytes, which a data root deep in a work tree would exceed.
EXEC_ROOT=$(mktemp -d /tmp/kvsmoke.XXXXXX)
# --bridge=none: no docker0 (compose makes its own network; the build needs none), so nothing is shared with another
# Docker on this machine.
start_dockerd() { # start_dockerd DATA_ROOT: 0 once it answers, 1 if it died or stayed silent for 60 s
  nice dockerd --data-root "$1" --exec-root "$EXEC_ROOT" --pidfile "$WORK/docker/dockerd.pid" \
    -H "unix://$EXEC_ROOT/docker.sock" --storage-driver overlay2 --bridge=none --ip6tables=false \
    >"$WORK/docker/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  for _ in $(seq 1 120); do
    docker version >/dev/null 2>&1 && return 0
    kill -0 "$DOCKERD_PID" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$DOCKERD_PID" 2>/dev/null
  wait "$DOCKERD_PID" 2>/dev/null
  DOCKERD_PID=""
  return 1
}
DATA_ROOT=$WORK/docker/data
if ! start_dockerd "$DATA_ROOT"; then
  # overlay2 cannot stack on every filesystem (on overlayfs or some network filesystems): /var/tmp is the fallback
  if grep -qi overlay "$WORK/docker/dockerd.log"; then
    echo "overlay2 failed on $DATA_ROOT ($(grep -i overlay "$WORK/docker/dockerd.log" | tail -1)); trying /var/tmp"
    DATA_ROOT=/var/tmp/kvraft-image-smoke-$(echo "$ROOT" | sha256sum | cut -c1-8)
    mkdir -p "$DATA_ROOT"
    start_dockerd "$DATA_ROOT" || cannot_run "dockerd did not start on $DATA_ROOT either; last lines of $WORK/docker/dockerd.log:
$(tail -15 "$WORK/docker/dockerd.log")"
  else
    cannot_run "dockerd did not start; last lines of $WORK/docker/dockerd.log:
$(tail -15 "$WORK/docker/dockerd.log")"
  fi
fi
echo "dockerd $(docker version -f '{{.Server.Version}}') pid $DOCKERD_PID, storage $(docker info -f '{{.Driver}}') in $DATA_ROOT"

# ---- 3. base image: Debian bookworm + a JRE, from the Debian mirror apt already uses ----
step "base image"
MIRROR=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
  grep -v '^[[:space:]]*#' | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -1 | tr -d ' ' || true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
BASE_KEY=$(printf '%s\n' "$SUITE" minbase "$MIRROR" "${BASE_PACKAGES[@]}" v1 | sha256sum | cut -c1-12)
BASE_TAG=kvraft-ci-base/debian-$SUITE-jre17:$BASE_KEY
BASE_TAR=$WORK/base/$BASE_KEY.tar
if docker image inspect "$BASE_TAG" >/dev/null 2>&1; then
  echo "base $BASE_TAG: in the data root already"
elif [ -f "$BASE_TAR" ]; then
  echo "base $BASE_TAG: imported from the cached $BASE_TAR"
  docker import - "$BASE_TAG" <"$BASE_TAR" >/dev/null
else
  echo "base $BASE_TAG: debootstrap $SUITE from $MIRROR, then ${BASE_PACKAGES[*]}"
  rootfs=$WORK/base/rootfs
  rm -rf "$rootfs"
  nice debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$WORK/base/debootstrap.log" 2>&1 ||
    fail "debootstrap failed: see $WORK/base/debootstrap.log"
  mount -t proc proc "$rootfs/proc"
  # the JRE's postinst runs java, which wants /proc
  { chroot "$rootfs" apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive nice chroot "$rootfs" apt-get install -y -q --no-install-recommends \
      "${BASE_PACKAGES[@]}" && chroot "$rootfs" apt-get clean; } >"$WORK/base/chroot-apt.log" 2>&1 ||
    fail "apt in the base chroot failed: see $WORK/base/chroot-apt.log"
  umount "$rootfs/proc"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
  tar -C "$rootfs" --numeric-owner -cf "$BASE_TAR.part" .
  mv "$BASE_TAR.part" "$BASE_TAR"
  rm -rf "$rootfs"
  docker import - "$BASE_TAG" <"$BASE_TAR" >/dev/null
fi

# ---- 4. the project's image ----
step "docker build"
IMAGE=$(sed -n '/^ *image: */{s///p;q}' "$COMPOSE_FILE")
[ -n "$IMAGE" ] || fail "no image: in $COMPOSE_FILE"
# --network none: the base has curl, so the build needs nothing from outside
nice "$DOCKER_BIN" -H "unix://$EXEC_ROOT/docker.sock" build --network none --build-arg "BASE_IMAGE=$BASE_TAG" \
  -t "$IMAGE" "$ROOT" >"$WORK/build.log" 2>&1 || {
  tail -30 "$WORK/build.log"
  fail "docker build failed: see $WORK/build.log"
}
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
base_size=$(docker image inspect -f '{{.Size}}' "$BASE_TAG")
echo "image $IMAGE: $((size / 1024 / 1024)) MiB ($((base_size / 1024 / 1024)) MiB of it the base $BASE_TAG)"

# ---- 5. the compose cluster, as shipped ----
step "compose up"
PROJECT=kvsmoke$$
CLUSTER_TOKEN=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
CLIENT_TOKEN=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf 'KVRAFT_CLUSTER_TOKEN=%s\nKVRAFT_READ_WRITE_TOKENS=%s\n' "$CLUSTER_TOKEN" "$CLIENT_TOKEN" >"$WORK/compose.env"
unset KVRAFT_CLUSTER_TOKEN KVRAFT_READ_WRITE_TOKENS KVRAFT_READ_ONLY_TOKENS
for port in $(grep -oE '"[0-9]+:8080"' "$COMPOSE_FILE" | tr -d '"' | cut -d: -f1); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "host port $port, which docker-compose.yml publishes, is in use by something else"
  fi
done
compose up -d --no-build >"$WORK/compose-up.log" 2>&1 || {
  cat "$WORK/compose-up.log"
  fail "docker-compose up failed"
}

mapfile -t SERVICES < <(compose config --services)
declare -A CID=() PORT=() NODE=() SERVICE_OF=()
for svc in "${SERVICES[@]}"; do
  CID[$svc]=$(compose ps -q "$svc")
  PORT[$svc]=$(docker inspect -f '{{(index (index .NetworkSettings.Ports "8080/tcp") 0).HostPort}}' "${CID[$svc]}")
  NODE[$svc]=$(docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "${CID[$svc]}" | sed -n 's/^RAFT_NODE_ID=//p')
  SERVICE_OF[${NODE[$svc]}]=$svc
  echo "$svc: node ${NODE[$svc]}, 127.0.0.1:${PORT[$svc]}"
done

# every member running and healthy by Docker's own health check (compose's: readiness)
wait_healthy() {
  local deadline=$((SECONDS + $1)) svc st pending
  while :; do
    pending=""
    for svc in "${SERVICES[@]}"; do
      st=$(docker inspect -f '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}' "${CID[$svc]}")
      [ "$st" = running/healthy ] || pending+=" $svc=$st"
    done
    [ -z "$pending" ] && return 0
    [ "$SECONDS" -lt "$deadline" ] || fail "not healthy after $1 s:$pending"
    sleep 2
  done
}
check "every member healthy by Docker's health check"
wait_healthy 300
echo "healthy: ${SERVICES[*]}"

health() { curl -fsS --max-time 5 "http://127.0.0.1:${PORT[$1]}/actuator/health" 2>/dev/null || echo '{}'; }
# The leader that every given member names, once they agree and it calls itself LEADER; empty on timeout.
agreed_leader() {
  local deadline=$((SECONDS + $1)) exclude=$2 svc leader names
  shift 2
  while [ "$SECONDS" -lt "$deadline" ]; do
    names=""
    for svc in "$@"; do names+=" $(health "$svc" | jq -r '.components.raft.details.leader // ""')"; done
    leader=$(tr ' ' '\n' <<<"$names" | sed '/^$/d' | sort -u)
    if [ "$(wc -w <<<"$leader")" -eq 1 ] && [ "$(wc -w <<<"$names")" -eq $# ] && [ "$leader" != "$exclude" ] &&
      [ -n "${SERVICE_OF[$leader]:-}" ] &&
      [ "$(health "${SERVICE_OF[$leader]}" | jq -r '.components.raft.details.role')" = LEADER ]; then
      echo "$leader"
      return 0
    fi
    sleep 1
  done
}

check "a leader elected"
LEADER=$(agreed_leader 120 "" "${SERVICES[@]}")
[ -n "$LEADER" ] || fail "the members did not agree on a leader: $(for s in "${SERVICES[@]}"; do health "$s"; done)"
LEADER_SVC=${SERVICE_OF[$LEADER]}
echo "leader $LEADER ($LEADER_SVC), named by all ${#SERVICES[@]} members"

check "the JVM is PID 1 and runs as the Dockerfile's uid"
want_uid=$(grep '^USER ' "$ROOT/Dockerfile" | tail -1 | awk '{print $2}' | cut -d: -f1)
for svc in "${SERVICES[@]}"; do
  # PID 1 is the JVM (exec-form ENTRYPOINT), so SIGTERM from docker stop reaches it directly
  comm=$(docker exec "${CID[$svc]}" cat /proc/1/comm)
  uid=$(docker exec "${CID[$svc]}" cat /proc/1/status | awk '/^Uid:/ {print $2}')
  [ "$comm" = java ] || fail "$svc: PID 1 is $comm, not java"
  [ "$uid" = "$want_uid" ] || fail "$svc: the JVM runs as uid $uid, the Dockerfile names $want_uid"
done
echo "PID 1 is java, uid $want_uid, in every member"

check "the image's JVM options apply: G1, heap 75% of the memory limit"
for svc in "${SERVICES[@]}"; do
  limit=$(docker inspect -f '{{.HostConfig.Memory}}' "${CID[$svc]}")
  [ "$limit" -gt 0 ] || fail "$svc has no memory limit (mem_limit in docker-compose.yml)"
  heap=$(curl -fsS --max-time 10 "http://127.0.0.1:${PORT[$svc]}/actuator/prometheus" |
    awk '/^jvm_memory_max_bytes\{/ && /area="heap"/ && /id="G1 Old Gen"/ {printf "%d", $NF}')
  [ -n "$heap" ] || fail "$svc: no G1 Old Gen heap in /actuator/prometheus (not G1?)"
  [ "$((heap / 1048576))" -eq "$((limit * 3 / 4 / 1048576))" ] ||
    fail "$svc: heap $((heap / 1048576)) MiB, want 75% of $((limit / 1048576)) MiB"
done
echo "G1, heap $((heap / 1048576)) MiB of a $((limit / 1048576)) MiB limit, in every member"

kv() { # kv METHOD SERVICE KEY [VALUE]: prints the body, fails on a non-2xx answer
  local args=(-fsS --max-time 15 -X "$1" -H "Authorization: Bearer $CLIENT_TOKEN")
  [ $# -lt 4 ] || args+=(--data-binary "$4")
  curl "${args[@]}" "http://127.0.0.1:${PORT[$2]}/kv/$3"
}
expect_value() { # expect_value SERVICE KEY VALUE
  local got
  got=$(kv GET "$1" "$2") || fail "GET $2 through $1 failed"
  [ "$got" = "$3" ] || fail "GET $2 through $1 gave '$got', want '$3'"
}

check "a write on one member read on another"
followers=()
for svc in "${SERVICES[@]}"; do [ "$svc" = "$LEADER_SVC" ] || followers+=("$svc"); done
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 15 -X PUT --data-binary x \
  "http://127.0.0.1:${PORT[${followers[0]}]}/kv/smoke-noauth")
[ "$status" = 401 ] || fail "a write without the client token from .env got $status, want 401"
kv PUT "${followers[0]}" smoke-1 "written through ${followers[0]}" >/dev/null || fail "PUT through ${followers[0]} failed"
expect_value "${followers[1]}" smoke-1 "written through ${followers[0]}"
echo "PUT smoke-1 via ${followers[0]} (a follower) read back via ${followers[1]}; no client token: 401"

check "docker kill of the leader"
docker kill "${CID[$LEADER_SVC]}" >/dev/null
NEW_LEADER=$(agreed_leader 120 "$LEADER" "${followers[@]}")
[ -n "$NEW_LEADER" ] || fail "no new leader among ${followers[*]} after killing $LEADER_SVC"
expect_value "${followers[0]}" smoke-1 "written through ${followers[0]}"
expect_value "${followers[1]}" smoke-1 "written through ${followers[0]}"
kv PUT "${SERVICE_OF[$NEW_LEADER]}" smoke-2 "after the kill" >/dev/null || fail "PUT after the failover failed"
echo "killed $LEADER_SVC; new leader $NEW_LEADER; smoke-1 still there on both survivors; smoke-2 written"
docker start "${CID[$LEADER_SVC]}" >/dev/null
wait_healthy 300
expect_value "$LEADER_SVC" smoke-2 "after the kill"
echo "$LEADER_SVC restarted, healthy, and has caught up (smoke-2)"

check "docker-compose restart of all members"
compose restart >"$WORK/compose-restart.log" 2>&1 || fail "docker-compose restart failed"
wait_healthy 300
[ -n "$(agreed_leader 120 "" "${SERVICES[@]}")" ] || fail "no leader after the restart"
for svc in "${SERVICES[@]}"; do
  expect_value "$svc" smoke-1 "written through ${followers[0]}"
  expect_value "$svc" smoke-2 "after the kill"
done
echo "after restarting all: both writes read through every member (the volumes kept them)"

check "docker stop of a member"
victim=${SERVICES[0]}
t0=$(date +%s%3N)
docker stop -t "$STOP_GRACE" "${CID[$victim]}" >/dev/null
took_ms=$(($(date +%s%3N) - t0))
code=$(docker inspect -f '{{.State.ExitCode}}' "${CID[$victim]}")
# 143 = the JVM ended on SIGTERM by itself; 137 would be Docker's SIGKILL at the end of the grace period
[ "$code" = 143 ] || [ "$code" = 0 ] || fail "$victim exited $code on docker stop (137 = killed after the grace period)"
[ "$took_ms" -lt $((STOP_GRACE * 1000)) ] || fail "docker stop of $victim took ${took_ms} ms, the grace period is ${STOP_GRACE} s"
last_lines=$(docker logs --tail 20 "${CID[$victim]}" 2>&1)
grep 'Graceful shutdown complete' <<<"$last_lines" >/dev/null ||
  fail "no 'Graceful shutdown complete' at the end of $victim's log: $(docker logs --tail 10 "${CID[$victim]}" 2>&1)"
echo "$victim stopped in $took_ms ms (grace ${STOP_GRACE} s), exit $code, its log ends with a graceful shutdown"

echo "== check skipped: a fourth service joining with RAFT_JOIN (membership changes are not built yet)"
step_end
