#!/usr/bin/env bash
# bench/test_bench_smoke.sh -- the bench at tiny sizes (1 run, ~200 rows a scenario), so it
# cannot rot. Uses the binaries under test (CBN_BATCH / CBN_EMULATOR from CTest, else build/);
# the Node SDK peer, wrk and gnuplot are used when present and reported "skipped" otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(dirname "${CBN_BATCH:-$here/../build/cbn-batch}")
emu_bin=$(dirname "${CBN_EMULATOR:-$bin/cbn-emulator}")
[ "$bin" = "$emu_bin" ] || { echo "cbn-batch and cbn-emulator must share a directory" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/tmp"
python3 "$here/run.py" --smoke --bin "$bin" --results "$out" | tee "$out/log"
# Every scenario produced its figures, and the results files exist.
for s in S1 S2 S3 S4 S5 S6; do
  grep -q "^$s," "$out/smoke.csv" || { echo "FAIL: no $s figures in smoke.csv" >&2; exit 1; }
done
test -s "$out/smoke.md"
echo "bench smoke: ok"
