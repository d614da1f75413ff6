#!/usr/bin/env bash
# Microbenchmark of the log append + fsync path and the state machine apply (src/test/java/io/kvraft/bench):
#   bench/micro.sh [seconds per case] [data dir on the disk to measure]
# Not part of mvn verify; compiles the test classes and runs StorageAndApplyBench's main().
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
test_classpath
exec java -Xmx512m -cp "$TEST_CLASSPATH" io.kvraft.bench.StorageAndApplyBench "$@"
