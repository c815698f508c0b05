#!/usr/bin/env bash
# CI's check that the benchmark suite still builds and runs: every benchmark once in BenchmarkDotNet's
# dry mode (no timing is read from it). The suite exits non-zero when a benchmark fails or does not validate.
set -euo pipefail
cd "$(dirname "$0")/.."
log="$(pwd)/artifacts/bench-dry.log"
mkdir -p artifacts
if ! dotnet run -c Release --project bench/HpcBackprop.Benchmarks -- --job dry > "$log" 2>&1; then
  echo "bench dry run failed; the end of its log ($log):" >&2
  tail -n 60 "$log" >&2
  exit 1
fi
grep -E "^// (libtorch|Results)|benchmark\(s\) failed" "$log" || true
echo "bench dry run passed ($(grep -c '^// Benchmark: ' "$log") benchmarks; log: $log)"
