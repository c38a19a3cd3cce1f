#!/usr/bin/env bash
# demo.sh -- build, start cbn-emulator on a free port, run cbn-batch on the
# bundled sample against it, and show the results.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
out=$(mktemp -d)
trap 'kill "$emu" 2>/dev/null || true; rm -rf "$out"' EXIT
build/cbn-emulator --port 0 >"$out/emulator.out" &
emu=$!
for _ in $(seq 100); do grep -q listening "$out/emulator.out" 2>/dev/null && break; sleep 0.1; done
url=$(head -n1 "$out/emulator.out" | awk '{print $NF}')
echo "demo: cbn-emulator at $url (key testid)" >&2
rm -f results.csv
ALIBABA_CLOUD_ACCESS_KEY_ID=testid ALIBABA_CLOUD_ACCESS_KEY_SECRET=testsecret \
  build/cbn-batch samples/jobs.csv -o results.csv --endpoint "$url" --rate 50 --progress plain
echo
echo "demo: results.csv"
column -s, -t < results.csv 2>/dev/null | cut -c1-180 || cat results.csv
