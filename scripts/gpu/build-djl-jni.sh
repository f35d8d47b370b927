#!/usr/bin/env bash
# Builds DJL's PyTorch JNI (libdjl_torch.so) against an installed libtorch, so DJL's PyTorch
# engine can run on a libtorch that DJL does not publish (the CUDA 13 torch of the device
# machine, or a newer CPU wheel). Nothing third-party is committed: DJL's source is checked
# out once into the ignored folder .djl-src/.
#
#   scripts/gpu/build-djl-jni.sh LIBTORCH_DIR [DJL_SOURCE] [OUT_DIR]
#
# LIBTORCH_DIR  a libtorch root (has lib/ and share/cmake/Torch), e.g. the torch package folder
#               of a wheel: python -c 'import torch; print(torch.__path__[0])'
# DJL_SOURCE    a git URL or a git dir (bare or not) of deepjavalibrary/djl; default: the
#               existing .djl-src/ checkout, else https://github.com/deepjavalibrary/djl.git
# OUT_DIR       where libdjl_torch.so lands; default .djl-jni/<torch version>-<flavor>/
#
# JNI headers need javac; where no JDK exists (the device machine) pass prepared headers with
# DJL_JNI_HEADERS=dir (scripts/gpu/make-device-bundle.sh puts them in the bundle).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DJL_VERSION="${DJL_VERSION:-0.35.1}"
LIBTORCH="$(cd "${1:?usage: build-djl-jni.sh LIBTORCH_DIR [DJL_SOURCE] [OUT_DIR]}" && pwd)"
SRC_ARG="${2:-}"
SRC="$ROOT/.djl-src"
# A plain (non-git) copy of the sources, as the device bundle carries, is used where it lies.
if [[ -n "$SRC_ARG" && -d "$SRC_ARG/engines/pytorch/pytorch-native" ]]; then SRC="$(cd "$SRC_ARG" && pwd)"; fi

if [[ ! -d "$SRC/engines/pytorch/pytorch-native" ]]; then
  url="${SRC_ARG:-https://github.com/deepjavalibrary/djl.git}"
  # A sparse, single-tag checkout: only the JNI's sources and the engine's Java are needed.
  rm -rf "$SRC"
  if [[ -d "$url" ]]; then url="file://$(cd "$url" && pwd)"; fi
  git clone -q --no-checkout --depth 1 --branch "v$DJL_VERSION" "$url" "$SRC"
  git -C "$SRC" sparse-checkout set engines/pytorch/pytorch-native engines/pytorch/pytorch-engine/src/main/java api/src/main/native
  git -C "$SRC" checkout -q "v$DJL_VERSION"
fi
NATIVE="$SRC/engines/pytorch/pytorch-native"

# torch version (2.11.0+cu130 -> 2.11.0, flavor cu130) read from the libtorch itself.
TORCH_VERSION_FULL="$(sed -n 's/^__version__ = .\(.*\).$/\1/p' "$LIBTORCH/version.py" 2>/dev/null || true)"
TORCH_VERSION_FULL="${TORCH_VERSION_FULL:-$(cat "$LIBTORCH/build-version" 2>/dev/null || echo unknown)}"
TORCH_VERSION="${TORCH_VERSION_FULL%%+*}"
FLAVOR="cpu"
[[ "$TORCH_VERSION_FULL" == *+cu* ]] && FLAVOR="${TORCH_VERSION_FULL##*+}"
OUT="${3:-$ROOT/.djl-jni/$TORCH_VERSION-$FLAVOR}"
BUILD="$OUT/build"
mkdir -p "$BUILD"

if [[ -n "${DJL_JNI_HEADERS:-}" ]]; then
  mkdir -p "$BUILD/include" && cp "$DJL_JNI_HEADERS"/*.h "$BUILD/include/"
else
  javac -sourcepath "$SRC/engines/pytorch/pytorch-engine/src/main/java" \
    "$SRC/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java" \
    -h "$BUILD/include" -d "$BUILD/classes"
fi

cuda=()
if [[ "$FLAVOR" == cu* ]]; then cuda=(-DUSE_CUDA=1); fi
# CMakeLists.txt reads the headers from build/include beside it, so point that at ours.
rm -rf "$NATIVE/build" && ln -s "$BUILD" "$NATIVE/build"
# JNI only: no AWT. JAVA_HOME is optional where cmake finds jni.h (DJL_JNI_INCLUDE on the device).
# jni.h comes from DJL_JNI_INCLUDE (a jlinked JRE keeps it in include/), else the JDK of javac.
if [[ -z "${DJL_JNI_INCLUDE:-}" ]]; then
  DJL_JNI_INCLUDE="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")/include"
fi
jni=(-DJAVA_INCLUDE_PATH="$DJL_JNI_INCLUDE" -DJAVA_INCLUDE_PATH2="$DJL_JNI_INCLUDE/linux" -DJAVA_JVM_LIBRARY=NotNeeded)
cmake -S "$NATIVE" -B "$BUILD/cmake" -G "${CMAKE_GENERATOR:-Unix Makefiles}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$LIBTORCH" "${cuda[@]}" "${jni[@]}" >"$BUILD/cmake.log"
cmake --build "$BUILD/cmake" --config Release -j "${JOBS:-$(nproc)}"
rm -f "$NATIVE/build"
# Where DJL's LibUtils.findJniLibrary looks when PYTORCH_LIBRARY_PATH names a libtorch without
# the JNI beside it: ENGINE_CACHE_DIR/pytorch/<version>-<flavor>-<classifier>/<djl>-libdjl_torch.so
JNI_DIR="$OUT/cache/pytorch/$TORCH_VERSION-$FLAVOR-linux-x86_64"
mkdir -p "$JNI_DIR"
cp "$BUILD/cmake/libdjl_torch.so" "$JNI_DIR/$DJL_VERSION-libdjl_torch.so"
# The wheel's test libraries would be loaded too (LibUtils loads every .so of the folder).
cat >"$OUT/env.sh" <<ENV
export PYTORCH_LIBRARY_PATH="$LIBTORCH/lib"
export PYTORCH_VERSION="$TORCH_VERSION"
export PYTORCH_FLAVOR="$FLAVOR"
export ENGINE_CACHE_DIR="$OUT/cache"
export PYTORCH_LIBRARY_EXCLUSION="libjitbackend_test.so,libtorchbind_test.so,libbackend_with_compiler.so,libaoti_custom_ops.so,libtorch_python.so,libshm.so"
ENV
echo "built $JNI_DIR/$DJL_VERSION-libdjl_torch.so (torch $TORCH_VERSION_FULL, flavor $FLAVOR); source $OUT/env.sh"
echo "maven: -Plibtorch -Dlibtorch.dir=$LIBTORCH -Dlibtorch.version=$TORCH_VERSION -Dlibtorch.flavor=$FLAVOR -Dlibtorch.cache=$OUT/cache"
