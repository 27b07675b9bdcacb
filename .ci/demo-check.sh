#!/usr/bin/env bash
# The README's first command, tried as a user would: `./outfall demo` from this clone on a fresh data
# directory; it must answer /api/health, let `admin` sign in with the password it printed, show
# readings growing and its four gateways online, and stop on SIGTERM within 10 s with no error or
# warning in its log after the stop began (nor any ERROR before).
# Ports: --http-port and --mqtt-port below (OUTFALL_DEMO_HTTP_PORT, OUTFALL_DEMO_MQTT_PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
http_port=${OUTFALL_DEMO_HTTP_PORT:-18080}
mqtt_port=${OUTFALL_DEMO_MQTT_PORT:-18883}
work=$(mktemp -d /tmp/outfall-demo-check.XXXXXX)
log=$work/demo.log
base=http://127.0.0.1:$http_port
say() { echo "[demo-check] $(date +%H:%M:%S) $*"; }
fail() { say "FAILED: $*"; echo "---- last lines of $log"; tail -40 "$log"; exit 1; }

t0=$SECONDS
./outfall demo --data-dir "$work/data" --http-port "$http_port" --mqtt-port "$mqtt_port" >"$log" 2>&1 &
pid=$! # ./outfall execs java: this is the JVM
trap 'kill -9 $pid 2>/dev/null || true' EXIT

# up: it answers /api/health and has printed how to sign in (after its plants started)
for _ in $(seq 240); do
  curl -fs "$base/api/health" >/dev/null 2>&1 && grep -q 'Outfall is running' "$log" && break
  kill -0 $pid 2>/dev/null || fail "the demo exited before it was up"
  sleep 0.5
done
curl -fs "$base/api/health" >/dev/null || fail "/api/health not up after 120 s"
grep -q 'Outfall is running' "$log" || fail "the demo did not say it was running after 120 s"
say "up $((SECONDS - t0)) s after start"

password=$(sed -n 's/.*sign in: user admin, password \([^ ]*\) .*/\1/p' "$log" | head -1)
[ -n "$password" ] || fail "the demo printed no admin password"
login=$(curl -fs -X POST "$base/api/login" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$password\"}") || fail "admin could not sign in with the printed password"
token=$(jq -r .token <<<"$login")
say "signed in as $(jq -r .username <<<"$login") ($(jq -r .role <<<"$login"))"
api() { curl -fs -H "Authorization: Bearer $token" "$base$1"; }

stored() { api /metrics | awk '/^outfall_readings_stored_total/ {s += $2} END {printf "%d", s}'; }
online=0
for _ in $(seq 60); do
  online=$(api /api/gateways | jq '[.gateways[] | select(.state == "online")] | length')
  [ "$online" -ge 4 ] && break
  sleep 1
done
[ "$online" -ge 4 ] || fail "$online gateways online, 4 expected: $(api /api/gateways | jq -c '[.gateways[] | {gateway, state}]')"
first=$(stored)
sleep 15
second=$(stored)
[ "$second" -gt "$first" ] || fail "readings stored did not grow in 15 s ($first, then $second)"
stations=$(api /api/stations | jq '.items | length')
say "$online gateways online; $stations stations; readings stored $first, 15 s later $second"

stop_line=$(wc -l <"$log")
kill -TERM $pid
stopping=$(date +%s%N)
for _ in $(seq 300); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
if kill -0 $pid 2>/dev/null; then fail "still running 15 s after SIGTERM"; fi
took_ms=$((($(date +%s%N) - stopping) / 1000000))
took=$(printf '%d.%01d' $((took_ms / 1000)) $((took_ms % 1000 / 100)))
wait $pid || true
trap - EXIT
say "stopped $took s after SIGTERM"
[ "$took_ms" -le 10000 ] || fail "took $took s to stop (at most 10)"
if grep -nE ' ERROR |Exception' "$log"; then fail "errors in the demo's log"; fi
if tail -n +"$((stop_line + 1))" "$log" | grep -nE ' WARN '; then fail "warnings while stopping"; fi
say "ok: demo up, signed in, $online gateways online, readings growing, clean stop in $took s"
rm -rf "$work"
