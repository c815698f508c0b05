#!/usr/bin/env bash
# The AVX-512 (x86-64-v4) disassembly of the library's kernels, on any x64 machine: compiles bench/Disasm
# ahead of time and keeps the JIT's listing of every method whose name matches the filter.
# usage: bench/disasm.sh [method filter in JitDisasm syntax, e.g. '*GemmMicroKernel:Compute'; default Compute]
#        -> artifacts/disasm/x86-64-v4.txt
set -euo pipefail
cd "$(dirname "$0")/.."
filter=${1:-Compute}
out="$(pwd)/artifacts/disasm/x86-64-v4.txt"
mkdir -p "$(dirname "$out")" && rm -f "$out"
# The listing is written while ILC compiles; the native link afterwards needs clang (or gcc) and may fail
# on a machine without it, which leaves the listing intact.
dotnet publish bench/Disasm -c Release -r linux-x64 -o artifacts/disasm/bin \
  -p:DisasmMethods="$filter" -p:DisasmOutput="$out" || echo "disasm: publish failed; the listing may still be complete" >&2
[ -s "$out" ] || { echo "disasm: no listing was written to $out" >&2; exit 1; }
echo "disasm: $(grep -c '^; Assembly listing for method' "$out") methods listed in $out"
