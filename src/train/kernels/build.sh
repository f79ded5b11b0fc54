#!/bin/sh
# Rebuilds yololab-kernels.wasm from kernels.c with Debian's clang and lld
# (apt-get install clang lld). The committed .wasm was built by Debian clang 14.0.6;
# test/train/kernels.test.ts rebuilds it with the same command and compares the bytes.
#   --import-memory --shared-memory: the module works on tfjs-backend-wasm's (shared) memory
#   --export=__stack_pointer: the host gives every thread its own stack (runtime.ts)
#   no -mrelaxed-simd: a*b+c stays two roundings, so results are the same on every CPU
set -e
cd "$(dirname "$0")"
OUT="${1:-yololab-kernels.wasm}"
clang --target=wasm32 -O3 -msimd128 -matomics -mbulk-memory -mmutable-globals -nostdlib \
  -Wl,--no-entry -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=4294967296 \
  -Wl,--export=__stack_pointer -o "$OUT" kernels.c
