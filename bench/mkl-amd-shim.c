/*
 * Makes the oneMKL linked into DJL's libtorch take its AVX-512/AVX2 code paths on AMD CPUs.
 *
 * Why: oneMKL picks its kernels from CPU checks that answer "not an Intel CPU" on AMD, and then
 * runs a generic path. On this project's AMD EPYC build machine MKL_VERBOSE reports "Intel(R)
 * Architecture processors" and a 2048x2048 SGEMM reaches ~140 GFLOP/s; with this library
 * preloaded it reports the AVX-512 path and reaches ~214 GFLOP/s (docs/performance.md).
 * libtorch_cpu.so exports the two MKL service functions below, so a preloaded definition wins.
 *
 * Build and use (Linux, gcc):  bash scripts/build-mkl-amd-shim.sh
 *   LD_PRELOAD=$PWD/bench/libmklamdshim.so java -jar siglip-examples/target/siglip.jar ...
 * Only for CPUs that really have the instructions (AMD Zen 4 has AVX-512; Zen 2/3 have AVX2).
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
int mkl_serv_intel_cpu(void) { return 1; }
