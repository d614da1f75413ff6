#!/usr/bin/env bash
# Microbenchmark of the log append + fsync path and the state machine apply (src/test/java/io/kvraft/bench):
#   bench/micro.sh [seconds per case] [data dir on the disk to measure]
# Not part of mvn verify; compiles the test classes and runs StorageAndApplyBench's main().
set -euo pipefail
cd "$(dirname "$0")/.."
CP_FILE=target/bench-classpath.txt
mvn -B -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test >/dev/null
exec java -Xmx512m -cp "target/classes:target/test-classes:$(cat "$CP_FILE")" io.kvraft.bench.StorageAndApplyBench "$@"
