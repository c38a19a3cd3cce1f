#!/usr/bin/env bash
# bench/run.sh -- the one command: install what is missing, build Release into build-release/,
# install the Node SDK peer (npm ci), run every scenario, write bench/results/latest.{md,csv}
# and bench/results/s4_rate.png. Arguments go to bench/run.py (e.g. --smoke, --runs 5).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
sudo_=""
[ "$(id -u)" -eq 0 ] || sudo_="sudo"

need=()
for p in wrk:wrk gnuplot:gnuplot-nox cmake:cmake node:nodejs npm:npm; do
  command -v "${p%%:*}" >/dev/null 2>&1 || need+=("${p#*:}")
done
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing ${need[*]}" >&2
  $sudo_ apt-get update -qq && $sudo_ apt-get install -y -qq "${need[@]}" >&2
fi

cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build-release" -j2 --target cbn-batch cbn-emulator >/dev/null
(cd "$here/peer" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

exec python3 "$here/run.py" --bin "$root/build-release" "$@"
