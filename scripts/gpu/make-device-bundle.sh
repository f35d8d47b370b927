#!/usr/bin/env bash
# Packs what a device session needs into the ignored folder .gpu-bundle/ (carried with
# `carry: [".gpu-bundle"]`; the device has Python torch + CUDA, CMake and a compiler, but no Java
# and no network):
#   jre/        a jlinked JRE with only the modules our jars use (jdeps), jni.h in jre/include
#   lib/        our jars and their runtime dependencies, without DJL's 432 MB CPU libtorch
#   djl-src/    DJL's PyTorch JNI sources (from .djl-src/, see build-djl-jni.sh) and their JNI headers
# packed as .gpu-bundle/bundle.tar.xz (xz on an uncompressed jlink image is far smaller than
# jlink's own zip compression), and checks that it stays under the 64 MiB a device call carries
# with the tracked tree. Run from the repository root:
#   scripts/gpu/make-device-bundle.sh [DJL_SOURCE]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
B="$(mktemp -d)/gpu-bundle"
cd "$ROOT"
rm -rf "$ROOT/.gpu-bundle" && mkdir -p "$ROOT/.gpu-bundle" "$B/lib" "$B/djl-src"

# Our jars and the runtime deps of the examples module, in one reactor run (the SNAPSHOT siblings
# are not installed). The CPU libtorch is replaced by the device's own, and Spark (only for the
# optional Spark evaluator) is left behind.
mvn -B -q -o -pl siglip-examples -am package dependency:copy-dependencies -DskipTests -DincludeScope=runtime \
  -DexcludeGroupIds=org.siglip4j,org.apache.spark,org.scala-lang,org.apache.hadoop \
  -DexcludeArtifactIds=pytorch-native-cpu,pytorch-jni -DoutputDirectory="$B/lib"
for m in siglip-core siglip-loss siglip-train siglip-eval siglip-examples; do
  for j in "$m"/target/*.jar; do [[ "$j" == *-tests.jar ]] || cp "$j" "$B/lib/"; done
done
# Modules may resolve different versions of one library: keep the newest of each.
for base in $(ls "$B/lib" | sed -nE 's/^(.*)-[0-9][0-9.]*\.jar$/\1/p' | sort | uniq -d); do
  ls "$B/lib/$base"-[0-9]*.jar | sort -V | head -n -1 | xargs rm -f
done
# DJL's Platform needs native/lib/pytorch.properties (api version, classifier) from the CPU natives
# jar; PYTORCH_VERSION/PYTORCH_FLAVOR override the rest. Keep only that file.
native="$(ls ~/.m2/repository/ai/djl/pytorch/pytorch-native-cpu/*/pytorch-native-cpu-*-linux-x86_64.jar | head -1)"
(t="$(mktemp -d)" && cd "$t" && unzip -q "$native" native/lib/pytorch.properties && jar cf "$B/lib/pytorch-platform.jar" native)
# The tokenizers jar carries its Rust library for four platforms; the device is linux-x86_64.
tok="$(ls "$B"/lib/tokenizers-*.jar)"
zip -q -d "$tok" 'native/lib/osx-*' 'native/lib/win-*' 'native/lib/linux-aarch64/*' >/dev/null || true
# The default model inside the examples jar is not used by the check.
zip -q -d "$B/lib/siglip.jar" 'org/siglip4j/examples/default-model/*' >/dev/null || true

mods="$(jdeps -q --multi-release 17 --ignore-missing-deps --print-module-deps --class-path "$B/lib/*" "$B"/lib/siglip-*.jar)"
# jdk.unsupported: Unsafe for Guava/JNA; jdk.crypto.ec is not needed (no network there).
jlink --add-modules "$mods,jdk.unsupported" --strip-debug --no-man-pages --compress=0 \
  --strip-native-debug-symbols=exclude-debuginfo-files --output "$B/jre"
echo "jlink modules: $mods,jdk.unsupported"

SRC="${1:-$ROOT/.djl-src}"
if [[ ! -d "$SRC/engines/pytorch/pytorch-native" ]]; then
  echo "no DJL source at $SRC: run scripts/gpu/build-djl-jni.sh once first" >&2; exit 1
fi
mkdir -p "$B/djl-src/engines/pytorch" "$B/djl-src/api/src/main"
cp -r "$SRC/engines/pytorch/pytorch-native" "$B/djl-src/engines/pytorch/"
rm -rf "$B/djl-src/engines/pytorch/pytorch-native/build"
cp -r "$SRC/api/src/main/native" "$B/djl-src/api/src/main/"
# The device has no javac: make the JNI headers here.
javac -sourcepath "$SRC/engines/pytorch/pytorch-engine/src/main/java" \
  "$SRC/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java" \
  -h "$B/jni-headers" -d "$(mktemp -d)"

du -sh "$B"/* | sort -h
tar -C "$(dirname "$B")" -cf - gpu-bundle | xz -6 -T0 >"$ROOT/.gpu-bundle/bundle.tar.xz"
rm -rf "$(dirname "$B")"
packed=$(du -sm "$ROOT/.gpu-bundle" | cut -f1)
tree=$(( $(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1) / 1048576 ))
echo "bundle: ${packed} MiB packed + tracked tree ${tree} MiB (a device call carries at most 64 MiB)"
if (( packed + tree > 62 )); then echo "bundle too large" >&2; exit 1; fi
