#!/usr/bin/env bash
# Builds bench/libmklamdshim.so (see bench/mkl-amd-shim.c): preload it on AMD CPUs so that the
# oneMKL inside DJL's libtorch uses its vector kernels. Prints the LD_PRELOAD line to use.
set -euo pipefail
cd "$(dirname "$0")/.."
gcc -shared -fPIC -O2 -o bench/libmklamdshim.so bench/mkl-amd-shim.c
echo "LD_PRELOAD=$PWD/bench/libmklamdshim.so"
