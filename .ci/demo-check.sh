#!/usr/bin/env bash
# The README's first command, tried as a user would: `./outfall demo` from this clone on a fresh data
# directory; it must answer /api/health, let `admin` sign in with the password it printed, show
# readings growing and its four gateways online, send the environment department's files of its four
# plants (OUTFALL_DONRE_FTP_URL) to Debian's pyftpdlib standing in for the department's server, and
# stop on SIGTERM within 10 s with no error or warning in its log after the stop began (nor any ERROR
# before); then reset the admin's password with `outfall users` while it is stopped, start it
# again and sign in with the new one; a second demo on the same data dir must be refused; killed with
# SIGKILL, its next start must stop the PostgreSQL it left running and come up; last, with its MQTT
# port held by another process, it must refuse at once and name the port.
# Ports: --http-port and --mqtt-port below (OUTFALL_DEMO_HTTP_PORT, OUTFALL_DEMO_MQTT_PORT), the
# department's FTP server on OUTFALL_DEMO_FTP_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
http_port=${OUTFALL_DEMO_HTTP_PORT:-18080}
mqtt_port=${OUTFALL_DEMO_MQTT_PORT:-18883}
mqtts_port=${OUTFALL_DEMO_MQTTS_PORT:-18884}
ftp_port=${OUTFALL_DEMO_FTP_PORT:-18021}
work=$(mktemp -d /tmp/outfall-demo-check.XXXXXX)
log=$work/demo.log
base=http://127.0.0.1:$http_port
say() { echo "[demo-check] $(date +%H:%M:%S) $*"; }
fail() { say "FAILED: $*"; echo "---- last lines of $log"; tail -40 "$log"; exit 1; }
# until the demo ($pid) answers /api/health and has said in its log $1 that it runs; $2 names the start
await_up() {
  for _ in $(seq 240); do
    curl -fs "$base/api/health" >/dev/null 2>&1 && grep -q 'Outfall is running' "$1" && return 0
    kill -0 $pid 2>/dev/null || fail "the demo exited at $2: $(tail -20 "$1")"
    sleep 0.5
  done
  fail "the demo was not up 120 s after $2"
}

# the department: an FTP server Outfall did not write
department=$work/department
mkdir -p "$department"
/usr/bin/python3 -c 'import pyftpdlib' 2>/dev/null || fail "python3-pyftpdlib is not installed (.ci/install-services.sh installs it)"
/usr/bin/python3 -m pyftpdlib -i 127.0.0.1 -p "$ftp_port" -w -d "$department" -u donre -P demo-secret >"$work/department.log" 2>&1 &
ftp_pid=$!

t0=$SECONDS
OUTFALL_DONRE_FTP_URL="ftp://donre:demo-secret@127.0.0.1:$ftp_port/" OUTFALL_DONRE_INTERVAL_SECONDS=10 \
  ./outfall demo --data-dir "$work/data" --http-port "$http_port" --mqtt-port "$mqtt_port" --mqtts-port "$mqtts_port" >"$log" 2>&1 &
pid=$! # ./outfall execs java: this is the JVM
trap 'kill -9 $pid $ftp_pid 2>/dev/null || true' EXIT

# up: it answers /api/health and has printed how to sign in (after its plants started)
await_up "$log" "its first start"
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

# an outsider guessing a gateway's password under its client id, with Debian's mosquitto_pub: refused,
# and counted where the operator looks
refused() { api /metrics | awk '/^outfall_broker_refused_total\{action="connect",reason="bad_credentials"/ {s += $2} END {printf "%d", s}'; }
before=$(refused)
if mosquitto_pub -V mqttv5 -h 127.0.0.1 -p "$mqtt_port" -i gateway-hn-phu-nghia-hn-phu-nghia-gw1 -u hn-phu-nghia/hn-phu-nghia-gw1 -P guess \
  -t outfall/v1/hn-phu-nghia/hn-phu-nghia-gw1/status -m x >/dev/null 2>&1; then fail "the broker accepted a guessed password"; fi
[ "$(refused)" -gt "$before" ] || fail "the refused login is not in /metrics (outfall_broker_refused_total)"
online=$(api /api/gateways | jq '[.gateways[] | select(.state == "online")] | length')
[ "$online" -ge 4 ] || fail "$online gateways online after the outsider's attempt, 4 expected"
say "an outsider's guessed password refused and counted ($before, then $(refused)); $online gateways still online"

# the TLS listener: its certificate chains to the CA the demo made (the gateways pin it, and they are
# online); a client trusting only the system's CAs is turned away at the handshake
tls_try() { mosquitto_pub -V mqttv5 -h 127.0.0.1 -p "$mqtts_port" "$@" -u nobody -P guess -t x -m x 2>&1 || true; }
pinned=$(tls_try --cafile "$work/data/tls/ca.pem" | tr '\n' ' ')
grep -qiE 'not authori[sz]ed|bad user name' <<<"$pinned" || fail "TLS with the demo's CA: $pinned"
unpinned=$(tls_try --capath /etc/ssl/certs)
grep -qi 'tls\|ssl\|certificate' <<<"$unpinned" || fail "TLS without the demo's CA was not refused at the handshake: $unpinned"
say "MQTT over TLS: with the demo's CA the handshake holds (then: $pinned); without it: $unpinned"

# every plant's files reach the department (a file every 10 s here), whole: none left half-written
sending() { find "$department" -name '*.txt' -printf '%f\n' | sed -E 's/_[0-9]{14}\.txt$//' | sort -u | wc -l; }
for _ in $(seq 60); do [ "$(sending)" -ge 4 ] && break; sleep 1; done
[ "$(sending)" -ge 4 ] || fail "files of $(sending) stations at the department, 4 expected: $(ls "$department" | head)"
[ -z "$(find "$department" -name '*.part')" ] || fail "half-written files left at the department"
say "the department received $(find "$department" -name '*.txt' | wc -l) files of $(sending) stations, e.g. $(ls "$department" | head -1)"

stop_line=$(wc -l <"$log")
kill -TERM $pid
stopping=$(date +%s%N)
for _ in $(seq 300); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
if kill -0 $pid 2>/dev/null; then fail "still running 15 s after SIGTERM"; fi
took_ms=$((($(date +%s%N) - stopping) / 1000000))
took=$(printf '%d.%01d' $((took_ms / 1000)) $((took_ms % 1000 / 100)))
wait $pid || true
kill $ftp_pid 2>/dev/null || true
trap - EXIT
say "stopped $took s after SIGTERM"
[ "$took_ms" -le 10000 ] || fail "took $took s to stop (at most 10)"
if grep -nE ' ERROR |Exception' "$log"; then fail "errors in the demo's log"; fi
if tail -n +"$((stop_line + 1))" "$log" | grep -nE ' WARN '; then fail "warnings while stopping"; fi
# the admin's password outlives a restart; a lost one is reset from the shell while the demo is down
reset=$(./outfall users reset-password admin --data-dir "$work/data" 2>"$work/users.log") \
  || fail "users reset-password failed: $(tail -5 "$work/users.log")"
new_password=$(sed -n 's/^password: *\([^ ]*\).*/\1/p' <<<"$reset")
[ -n "$new_password" ] || fail "users reset-password printed no password: $reset"
# the demo started again on its data dir, its log in $1; on a failure, it and its database are killed
restart() {
  ./outfall demo --data-dir "$work/data" --http-port "$http_port" --mqtt-port "$mqtt_port" \
    --mqtts-port "$mqtts_port" >"$1" 2>&1 &
  pid=$!
  trap 'kill -9 $pid 2>/dev/null || true; pkill -f "postgres -D $work/data/postgres" || true' EXIT
  await_up "$1" "$2"
}
restart "$work/demo-2.log" "its second start"
grep -q 'with the password shown at the first start' "$work/demo-2.log" \
  || fail "the second start did not keep the admin's password: $(grep 'sign in' "$work/demo-2.log")"
signin() { curl -s -o /dev/null -w '%{http_code}' -X POST "$base/api/login" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$1\"}"; }
[ "$(signin "$new_password")" = 200 ] || fail "the reset password does not sign in after a restart"
[ "$(signin "$password")" = 401 ] || fail "the password from before the reset still signs in"
say "restarted: the admin's password kept; reset from the shell while stopped, the new one signs in, the old one not"

# one data dir, one demo: a second demo on it (other ports) is refused at once, naming the dir
rc=0
timeout 60 ./outfall demo --data-dir "$work/data" --http-port "$((http_port + 1))" \
  --mqtt-port "$((mqtt_port + 2))" --mqtts-port "$((mqtts_port + 2))" >"$work/second.log" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "a second demo on the same data dir ended $rc, not 2: $(tail -5 "$work/second.log")"
grep -q "database in $work/data/postgres is in use" "$work/second.log" \
  || fail "the second demo did not say the data dir is in use: $(tail -5 "$work/second.log")"
# a demo killed outright (SIGKILL) leaves its PostgreSQL running; the next start stops it and goes on
postgres_on_data() { pgrep -f "postgres -D $work/data/postgres" || true; }
kill -9 $pid
wait $pid 2>/dev/null || true
orphan=$(postgres_on_data)
[ -n "$orphan" ] || fail "no PostgreSQL left running after the demo's SIGKILL: nothing to try the next start against"
restart "$work/demo-3.log" "its start after a SIGKILL"
grep -q "PostgreSQL (pid $orphan) is still running on .*stopping it" "$work/demo-3.log" \
  || fail "the start after a SIGKILL did not say it stopped PostgreSQL $orphan: $(grep -i postgres "$work/demo-3.log" | tail -5)"
[ "$(signin "$new_password")" = 200 ] || fail "the admin cannot sign in after the start that followed a SIGKILL"
kill -TERM $pid
wait $pid || true
left=$(postgres_on_data)
[ -z "$left" ] || fail "PostgreSQL $left still runs on the data dir after the demo stopped"
trap - EXIT
say "a second demo on the data dir refused; after a SIGKILL the next start stopped PostgreSQL $orphan left running, and its own stop left none"

# a port another process holds: the demo says which and exits at once, starting nothing
/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(120)' "$mqtt_port" 2>"$work/holder.log" &
holder=$!
trap 'kill $holder 2>/dev/null || true' EXIT
held=no
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$mqtt_port") 2>/dev/null && kill -0 $holder 2>/dev/null && held=yes && break
  sleep 0.2
done
[ "$held" = yes ] || fail "could not hold port $mqtt_port to try the demo against it: $(cat "$work/holder.log")"
rc=0
timeout 60 ./outfall demo --data-dir "$work/taken" --http-port "$http_port" --mqtt-port "$mqtt_port" \
  --mqtts-port "$mqtts_port" >"$work/taken.log" 2>&1 || rc=$?
kill $holder 2>/dev/null || true
trap - EXIT
[ "$rc" = 2 ] || fail "with --mqtt-port $mqtt_port held by another process the demo ended $rc, not 2: $(tail -5 "$work/taken.log")"
grep -q "port $mqtt_port is in use.*choose another with --mqtt-port" "$work/taken.log" \
  || fail "the demo did not say which port was taken: $(tail -5 "$work/taken.log")"
[ ! -e "$work/taken" ] || fail "the demo started something before refusing a port in use"
say "a port in use: refused at once, naming it ($(grep -o 'port [0-9]* is in use' "$work/taken.log"))"
say "ok: demo up, signed in, $online gateways online, readings growing, files at the department, clean stop in $took s"
rm -rf "$work"
