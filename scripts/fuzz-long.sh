#!/usr/bin/env bash
# Long structure-aware fuzz run (docs/reliability.md): CASES cases of every kind of hostile file,
# each batch of cases in a child JVM with a 30 s per-case limit and -Xmx1g, reporting aborts,
# hangs, escapes and peak memory per case. Exits non-zero if anything failed; failing inputs are
# saved under target/fuzz-failures/.
#   scripts/fuzz-long.sh [CASES_PER_KIND] [SEED] [KIND,...]
set -euo pipefail
cd "$(dirname "$0")/.."
CASES="${1:-10000}"
SEED="${2:-17}"
ONLY="${3:-}"
mvn -B -q -o -pl siglip-core test-compile dependency:build-classpath -Dmdep.outputFile=target/fuzz-cp.txt
CP="siglip-core/target/test-classes:siglip-core/target/classes:$(cat siglip-core/target/fuzz-cp.txt)"
exec java -Dsiglip.fixtures="$PWD/siglip-core/src/test/resources/siglip-tiny" -Dai.djl.offline=true \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp "$CP" org.siglip4j.core.fuzz.FuzzRunner \
  --cases "$CASES" --batch 500 --timeout 30 --xmx 1g --seed "$SEED" --only "$ONLY"
