#!/usr/bin/env bash
# The whole GPU check in one device call (docs/gpu.md). Needs .gpu-bundle/ carried
# (scripts/gpu/make-device-bundle.sh); on the device: python3 with a CUDA torch, CMake, a compiler.
#   device run, carry [".gpu-bundle"]:  scripts/gpu/device-check.sh
# Writes gpu-check.log and the JNI build log under $OUT (or /tmp/gpu-check).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-/tmp/gpu-check}"
mkdir -p "$OUT"
tar -C /tmp -xJf "$ROOT/.gpu-bundle/bundle.tar.xz"
B=/tmp/gpu-bundle
STEPS="${STEPS:-200}" BATCH="${BATCH:-64}" REPLICAS="${REPLICAS:-4}"
cd "$ROOT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
TORCH="$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "gpus", torch.cuda.device_count())'

t0=$(date +%s)
DJL_JNI_HEADERS="$B/jni-headers" DJL_JNI_INCLUDE="$B/jre/include" JOBS="$(nproc)" \
  scripts/gpu/build-djl-jni.sh "$TORCH" "$B/djl-src" /tmp/djl-jni >"$OUT/jni-build.log" 2>&1 \
  || { tail -40 "$OUT/jni-build.log"; exit 1; }
echo "JNI built in $(( $(date +%s) - t0 )) s"
# shellcheck disable=SC1091
source /tmp/djl-jni/env.sh

# DJL counts GPUs through cudart (JNA); a pip torch keeps it in site-packages/nvidia/*/lib
# under a versioned name only, so give JNA a plain libcudart.so.
cudart="$(find "$TORCH/.." -path '*nvidia*' -name 'libcudart.so*' | head -1)"
mkdir -p /tmp/cudart
if [[ -n "$cudart" ]]; then ln -sf "$cudart" /tmp/cudart/libcudart.so; fi

set -o pipefail
"$B/jre/bin/java" -Xmx48g -Dai.djl.offline=true -Djna.library.path=/tmp/cudart \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$B/lib/*" org.siglip4j.examples.gpu.GpuCheck \
  siglip-core/src/test/resources/siglip-tiny "${DEVICE:-cuda:0}" /tmp/gpu-work --base \
  --steps "$STEPS" --batch "$BATCH" --replicas "$REPLICAS" 2>&1 | tee "$OUT/gpu-check.log"
cp /tmp/gpu-work/gpu-check.txt "$OUT/" 2>/dev/null || true
nvidia-smi --query-gpu=memory.used --format=csv,noheader || true
