#!/usr/bin/env bash
# Installs and starts the real services the integration suite runs against in CI:
#   - Mosquitto from Debian (bookworm): ${OUTFALL_CI_MQTT_BROKERS:-3} instances on 127.0.0.1 from port
#     ${OUTFALL_CI_MQTT_PORT:-18831} up, one per JVM the integration tests run in (system-tests/pom.xml
#     it.forks), so that no test sees another's readings
#   - PostgreSQL 17 + TimescaleDB (Apache-2 build) from a Debian trixie chroot on 127.0.0.1:${OUTFALL_CI_PG_PORT:-15432}
#   - Prometheus Alertmanager from Debian (prometheus-alertmanager); the tests start their own instances
#   - socat from Debian: SerialRtuTest joins two pseudo-terminals with it as a null-modem cable
#   - chromium and chromium-driver from Debian: the dashboards' browser tests (no browser download)
#   - prometheus from Debian (with promtool): the scrape test; the tests start their own instances
#   - curl and jq: .ci/demo-check.sh talks to the demo as a user would
#   - python3-pyftpdlib and python3-openssl: an FTP/FTPS server and client Outfall did not write,
#     for the regulator link's interoperability test (ExternalFtpPeersIT)
# Idempotent: a second run reuses the chroot and only (re)starts what is not running.
# Prints the environment the tests need as `export` lines on its last lines (eval-able).
set -euo pipefail

MQTT_PORT=${OUTFALL_CI_MQTT_PORT:-18831}
MQTT_BROKERS=${OUTFALL_CI_MQTT_BROKERS:-3}
PG_PORT=${OUTFALL_CI_PG_PORT:-15432}
CHROOT=${OUTFALL_CI_CHROOT:-/var/lib/outfall-ci/trixie}
STATE=${OUTFALL_CI_STATE:-/var/lib/outfall-ci}
log() { echo "[install-services] $(date +%H:%M:%S) $*" >&2; }

# The Debian archive apt already uses (deb822 or one-line format); debootstrap takes the same one.
mirror() {
  local m
  m=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$m" ] || m=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  echo "${m:?no Debian archive configured for apt}"
}

install_host_packages() {
  local missing=()
  for p in curl jq mosquitto mosquitto-clients debootstrap prometheus-alertmanager socat chromium chromium-driver prometheus python3-pyftpdlib python3-openssl; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

start_mosquitto() {
  local port=$1 dir="$STATE/mosquitto-$1"
  mkdir -p "$dir"
  if pgrep -f "mosquitto -c $dir/mosquitto.conf" >/dev/null; then return; fi
  cat >"$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $dir/
max_queued_messages 1000000
max_inflight_messages 1000
# Nagle off: ingest acknowledges a message only after its commit, so the broker's tail of the next
# message otherwise waits for that ack (docs/operations.md, broker requirements)
set_tcp_nodelay true
CONF
  log "starting mosquitto on $port"
  mosquitto -c "$dir/mosquitto.conf" -d
  for _ in $(seq 50); do mosquitto_sub -p "$port" -t '$SYS/broker/version' -C 1 -W 1 >/dev/null 2>&1 && return; sleep 0.2; done
  log "mosquitto on $port did not come up"; exit 1
}

build_chroot() {
  if [ -x "$CHROOT/usr/lib/postgresql/17/bin/postgres" ] && [ -f "$CHROOT/usr/share/postgresql/17/extension/timescaledb.control" ]; then
    return
  fi
  local t0=$SECONDS
  log "debootstrap trixie into $CHROOT from $(mirror)"
  mkdir -p "$CHROOT"
  debootstrap --variant=minbase trixie "$CHROOT" "$(mirror)" >&2
  # Services must not start inside the chroot during install, and we create our own cluster.
  printf '#!/bin/sh\nexit 101\n' >"$CHROOT/usr/sbin/policy-rc.d"; chmod +x "$CHROOT/usr/sbin/policy-rc.d"
  mkdir -p "$CHROOT/etc/postgresql-common"
  echo "create_main_cluster = false" >"$CHROOT/etc/postgresql-common/createcluster.conf"
  chroot "$CHROOT" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    postgresql-17 postgresql-17-timescaledb >&2
  log "chroot ready in $((SECONDS - t0)) s"
}

# What docs/operations.md advises for 10,000 readings/s (5.6 MB of WAL a second): checkpoints on the
# timer, not every 95 s as the 1 GB default makes them, each writing much of shared_buffers again
# through the benchmarks' alert runs. (initdb writes the 1 GB default uncommented.) True when changed.
wal_size_setting() {
  grep -q '^max_wal_size = 4GB' "$1" && return 1
  sed -i 's/^max_wal_size\b/#&/' "$1"
  echo "max_wal_size = 4GB" >>"$1"
}

start_postgres() {
  local data=/var/lib/outfall-pg
  if chroot "$CHROOT" su postgres -c "/usr/lib/postgresql/17/bin/pg_ctl -D $data status" >/dev/null 2>&1; then
    # a cluster from before a setting was added here gets it without a restart
    if wal_size_setting "$CHROOT$data/postgresql.conf"; then
      chroot "$CHROOT" su postgres -c "/usr/lib/postgresql/17/bin/pg_ctl -D $data reload" >&2
    fi
    return
  fi
  mountpoint -q "$CHROOT/proc" || mount -t proc proc "$CHROOT/proc"
  mountpoint -q "$CHROOT/dev" || mount --bind /dev "$CHROOT/dev"
  if [ ! -f "$CHROOT$data/PG_VERSION" ]; then
    mkdir -p "$CHROOT$data" && chroot "$CHROOT" chown postgres:postgres "$data"
    chroot "$CHROOT" su postgres -c "/usr/lib/postgresql/17/bin/initdb -D $data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >&2
    cat >>"$CHROOT$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off
unix_socket_directories = '/tmp'
max_connections = 200
CONF
  fi
  # After the machine stopped with the server running, crash recovery first syncs the whole data
  # directory; file by file that took over a minute (pg_ctl's default wait) on a cluster tests had
  # filled. syncfs syncs the file system once instead (PostgreSQL >= 14), and the wait is generous.
  grep -q '^recovery_init_sync_method' "$CHROOT$data/postgresql.conf" \
    || echo "recovery_init_sync_method = syncfs" >>"$CHROOT$data/postgresql.conf"
  wal_size_setting "$CHROOT$data/postgresql.conf" || true
  log "starting PostgreSQL 17 + TimescaleDB on $PG_PORT"
  if ! chroot "$CHROOT" su postgres -c "/usr/lib/postgresql/17/bin/pg_ctl -D $data -l $data/server.log -w -t 900 start" >&2; then
    log "PostgreSQL did not start; the end of its log:"
    tail -n 40 "$CHROOT$data/server.log" >&2
    exit 1
  fi
}

t0=$SECONDS
install_host_packages
mqtt_urls=()
for i in $(seq 0 $((MQTT_BROKERS - 1))); do
  start_mosquitto $((MQTT_PORT + i))
  mqtt_urls+=("tcp://127.0.0.1:$((MQTT_PORT + i))")
done
build_chroot
start_postgres
log "services up in $((SECONDS - t0)) s"
echo "export OUTFALL_TEST_MQTT_URL=$(IFS=,; echo "${mqtt_urls[*]}")"
echo "export OUTFALL_TEST_DB_URL=jdbc:postgresql://127.0.0.1:$PG_PORT/postgres"
echo "export OUTFALL_TEST_DB_USER=postgres"
echo "export OUTFALL_TEST_DB_PASSWORD="
echo "export OUTFALL_TEST_REQUIRE_ALERTMANAGER=true"
echo "export OUTFALL_TEST_REQUIRE_SOCAT=true"
echo "export OUTFALL_TEST_REQUIRE_PYFTPDLIB=true"
