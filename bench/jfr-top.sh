#!/usr/bin/env bash
# Summarises the CPU samples (jdk.ExecutionSample) of a JFR recording:
#   bench/jfr-top.sh recording.jfr [N]
# prints samples per thread group, the N hottest top frames (self time), self time per package, and the io.kvraft
# methods with the most samples anywhere on the stack (inclusive time).
set -euo pipefail
FILE=$1
N=${2:-25}
jfr print --events jdk.ExecutionSample --stack-depth 128 "$FILE" | awk -v N="$N" '
  function flush() {
    if (!inSample) return
    total++
    threads[thread]++
    if (top != "") {
      self[top]++
      pkg = top; sub(/\.[^.]*\(.*$/, "", pkg)             # drop .method(args)
      n = split(pkg, parts, "."); pkg = parts[1]; for (j = 2; j <= (n < 3 ? n : 3); j++) pkg = pkg "." parts[j]
      pkgs[pkg]++
    }
    for (m in onStack) incl[m]++
    delete onStack
    inSample = 0; top = ""; depth = 0
  }
  /^jdk.ExecutionSample/ { flush(); inSample = 1; next }
  /sampledThread = / {
    t = $0; sub(/.*sampledThread = "/, "", t); sub(/".*/, "", t)
    gsub(/[0-9]+/, "#", t)                               # http-nio-19001-exec-7 -> http-nio-#-exec-#
    thread = t; next
  }
  /stackTrace = \[/ { inStack = 1; next }
  inStack && /^[ \t]*\]/ { inStack = 0; next }
  inStack {
    f = $0; sub(/^[ \t]+/, "", f); sub(/[ \t]+line:.*$/, "", f)
    if (f == "...") next
    depth++
    if (depth == 1) top = f
    if (f ~ /^io\.kvraft\./) { m = f; sub(/\(.*$/, "", m); onStack[m] = 1 }
    next
  }
  END {
    flush()
    printf "%d CPU samples\n\n", total
    print "samples per thread group:"
    for (t in threads) printf "  %5.1f%%  %s\n", 100 * threads[t] / total, t | "sort -rn | head -15"
    close("sort -rn | head -15")
    printf "\ntop %d frames (self):\n", N
    cmd = "sort -rn | head -" N
    for (f in self) printf "  %5.1f%%  %s\n", 100 * self[f] / total, f | cmd
    close(cmd)
    print "\nself time per package:"
    for (p in pkgs) printf "  %5.1f%%  %s\n", 100 * pkgs[p] / total, p | "sort -rn | head -20"
    close("sort -rn | head -20")
    printf "\nio.kvraft methods on the stack (inclusive):\n"
    for (m in incl) printf "  %5.1f%%  %s\n", 100 * incl[m] / total, m | cmd
    close(cmd)
  }'
