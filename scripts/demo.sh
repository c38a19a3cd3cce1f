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
echo "demo: results.csv (some of its columns; the file has every input column too)"
python3 - results.csv <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
cols = ["CenId", "RegionId", "ProjectName", "Status", "FlowLogId", "Attempts"]
w = [max(len(c), *(len(r[c]) for r in rows)) for c in cols]
for line in [dict(zip(cols, cols))] + rows:
    print("  ".join(line[c].ljust(n) for c, n in zip(cols, w)))
PY
echo
echo "demo: the emulator now holds $(curl -s "$url/__emulator/state" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["flowlogs"]))') flow logs"
