#!/usr/bin/env bash
# Long structure-aware fuzz run (docs/reliability.md): CASES cases of every kind of hostile file
# (safetensors, config.json, tokenizer.json, spiece.model, image, manifest.jsonl, manifest.csv,
# tar), each batch of 500 cases in a child JVM with a 30 s per-case limit and -Xmx1g, reporting
# JVM aborts, hangs, escaping exceptions and peak memory per case. Exits non-zero if anything
# failed; failing inputs are saved under target/fuzz-failures/.
#   scripts/fuzz-long.sh [CASES_PER_KIND] [SEED] [KIND,...]
set -euo pipefail
cd "$(dirname "$0")/.."
CASES="${1:-10000}"
SEED="${2:-17}"
ONLY="${3:-}"
# test-compile in the same reactor resolves siglip-core's test classes without installing anything
mvn -B -q -o -pl siglip-core,siglip-loss,siglip-train test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/fuzz-cp.txt
CP="siglip-train/target/test-classes:siglip-train/target/classes:$(cat siglip-train/target/fuzz-cp.txt)"
exec java -Dsiglip.fixtures="$PWD/siglip-core/src/test/resources/siglip-tiny" -Dai.djl.offline=true \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp "$CP" org.siglip4j.core.fuzz.FuzzRunner \
  --kinds org.siglip4j.core.fuzz.HostileFiles,org.siglip4j.train.data.HostileTrainFiles \
  --cases "$CASES" --batch 500 --timeout 30 --xmx 1g --seed "$SEED" --only "$ONLY"
