#!/usr/bin/env bash
# test_emu_cli.sh -- cbn-emulator as a command: help, usage errors, the URL
# line, the state page without a signature, SIGINT writing --state-file.
set -u
emu=${CBN_EMULATOR:?set CBN_EMULATOR to the cbn-emulator binary}
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$emu" --help | grep -q -- '--drop-rate' || fail "--help does not list --drop-rate"
"$emu" --fail-rate 2 2>"$tmp/err"; [ $? -eq 2 ] || fail "--fail-rate 2 should exit 2"
grep -q "fail-rate '2'" "$tmp/err" || fail "usage error does not name the option"
"$emu" --access-key nocolon 2>/dev/null; [ $? -eq 2 ] || fail "bad --access-key should exit 2"

mkfifo "$tmp/out"
"$emu" --port 0 --state-file "$tmp/state.json" --access-key k1:s1 >"$tmp/out" &
pid=$!
read -r line <"$tmp/out" || fail "no first line"
case $line in
  "cbn-emulator listening on http://127.0.0.1:"[0-9]*) ;;
  *) fail "first line: $line" ;;
esac
url=${line#cbn-emulator listening on }
state=$(curl -s "$url/__emulator/state") || fail "state page unreachable"
echo "$state" | grep -q '"flowlogs":\[\]' || fail "state page: $state"
echo "$state" | grep -q '"requests":0' || fail "state page counters: $state"
# an unsigned API call is answered with a gateway error, and counted
code=$(curl -s -o "$tmp/body" -w '%{http_code}' "$url/?Action=CreateFlowlog&Version=2017-09-12")
[ "$code" = 400 ] || fail "unsigned call: HTTP $code"
grep -q '"Code":"MissingAccessKeyId"' "$tmp/body" || fail "unsigned call: $(cat "$tmp/body")"
kill -INT "$pid"
wait "$pid"; rc=$?
pid=
[ $rc -eq 0 ] || fail "SIGINT: exit $rc"
grep -q '"MissingAccessKeyId":1' "$tmp/state.json" || fail "state file: $(cat "$tmp/state.json")"
echo "ok"
