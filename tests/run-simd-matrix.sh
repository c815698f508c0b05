#!/usr/bin/env bash
# Reruns the SIMD kernel tests (Category=Simd) once per vector path, each run telling the ISA guard test
# (SimdPathGuardTests) through HPCBACKPROP_EXPECT_SIMD which width its knob must produce, so a knob the
# runtime silently ignores fails instead of passing on another path.
#
# Usage: tests/run-simd-matrix.sh RESULTS_DIR
#   Builds Release once, then writes one TRX file per configuration into RESULTS_DIR
#   (simd-<name>.trx) for the CI script to sum. Exits non-zero if the build or any run fails.
set -uo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 RESULTS_DIR" >&2
  exit 2
fi

results=$(mkdir -p "$1" && cd "$1" && pwd)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo" || exit 2

dotnet build -c Release || { echo "build failed" >&2; exit 1; }

# With AVX-512 disabled the widest path is 256-bit where the CPU has AVX2, else 128-bit. (Without AVX-512 the
# default run states no expectation: the guard then checks it took the widest accelerated width, and logs which.)
if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then without_avx512=Vector256; else without_avx512=Vector128; fi

# Each run sets its own knob; none may leak in from the caller's environment.
unset HPCBACKPROP_SIMD HPCBACKPROP_EXPECT_SIMD DOTNET_EnableAVX DOTNET_EnableAVX2 DOTNET_EnableAVX512 \
  DOTNET_EnableHWIntrinsic DOTNET_PreferredVectorBitWidth

failed=()
# run NAME EXPECTED [VAR=VALUE ...]
run() {
  local name=$1 expected=$2
  shift 2
  echo "=== simd-$name: ${*:-(no knob)}; expect ${expected:-the hardware default}"
  local start=$SECONDS
  if ! env "$@" HPCBACKPROP_EXPECT_SIMD="$expected" \
      dotnet test tests/HpcBackprop.Tests -c Release --no-build --filter Category=Simd \
        --results-directory "$results" --logger "trx;LogFileName=simd-$name.trx" \
        --logger "console;verbosity=minimal"; then
    failed+=("$name")
  fi
  echo "=== simd-$name took $((SECONDS - start)) s"
}

# Where the CPU has the AVX-512 parts .NET needs (f, bw, cd, dq, vl) the default run must take them natively,
# on AMD and on Intel from Sapphire Rapids on (avx512_fp16). Older Intel AVX-512 parts (Skylake-SP to Ice Lake)
# may have Vector512 left off by the runtime's own choice, so there the default run states no expectation.
has() { grep -qw "$1" /proc/cpuinfo 2>/dev/null; }
if has avx512f && has avx512bw && has avx512cd && has avx512dq && has avx512vl \
   && { grep -q AuthenticAMD /proc/cpuinfo || has avx512_fp16; }; then
  default_width=Vector512
else
  default_width=""
fi

run default     "$default_width"
run no-avx2     Vector128          DOTNET_EnableAVX2=0
run scalar      Scalar             DOTNET_EnableHWIntrinsic=0
run vector512   Vector512          HPCBACKPROP_SIMD=Vector512
run no-avx512   "$without_avx512"  DOTNET_EnableAVX512=0

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "SIMD matrix FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "SIMD matrix passed: TRX files in $results"
