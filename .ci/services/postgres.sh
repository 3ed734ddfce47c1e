#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests that need one (the store's `--ignored` tests).
#
#   eval "$(.ci/services/postgres.sh start)"      # starts it; prints the exports below
#   .ci/services/postgres.sh stop "$TAKEDOWN_POSTGRES_DIR"
#
# `start` runs Debian's PostgreSQL (15 preferred; installed with apt-get when missing) from a
# fresh temporary directory, listening on 127.0.0.1 only (the first free port from
# TAKEDOWN_POSTGRES_PORT, default 55432), trust auth for loopback, fsync off (nothing here
# needs to survive a power cut). It waits a bounded time for the server to accept
# connections, creates the database `takedown`, and prints on stdout, for `eval`:
#
#   export TAKEDOWN_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/takedown
#   export TAKEDOWN_POSTGRES_DIR=/tmp/takedown-pg.XXXXXX
#   export TAKEDOWN_POSTGRES_CA=/tmp/takedown-pg.XXXXXX/tls/ca.pem
#   export TAKEDOWN_POSTGRES_OTHER_CA=/tmp/takedown-pg.XXXXXX/tls/other-ca.pem
#
# The server also speaks TLS (ssl=on) with a certificate for 127.0.0.1 made here by openssl
# and signed by a throwaway CA (`TAKEDOWN_POSTGRES_CA`), so clients can be tested with
# `sslmode=verify-full&sslrootcert=…`; `TAKEDOWN_POSTGRES_OTHER_CA` is a CA that did not
# sign it (a client trusting only it must refuse the server). Plain connections still work.
#
# (also written to $TAKEDOWN_POSTGRES_DIR/env). Progress goes to stderr. initdb refuses to
# run as root, so as root the server runs as the `postgres` user (or `nobody` without one).
# `stop DIR` stops the server started in DIR and deletes DIR.
set -euo pipefail

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# The directory holding initdb/pg_ctl: version 15 if present, else the newest installed.
find_bindir() {
  local dir
  for dir in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

# Runs a command as the unprivileged server user when we are root, else as ourselves.
as_server_user() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u "$SERVER_USER" -- "$@"
  else
    "$@"
  fi
}

# A throwaway CA, a server certificate for 127.0.0.1/localhost signed by it, and a second CA
# that signed nothing, in $1 (openssl; the key readable by its owner only, as PostgreSQL
# requires).
make_certificates() {
  local tls="$1"
  command -v openssl >/dev/null || die "openssl is needed for the server's test certificate"
  mkdir -p "$tls"
  (
    cd "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
      -subj "/CN=takedown test PostgreSQL CA" 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 2 \
      -subj "/CN=takedown test CA that signed nothing" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
      -subj "/CN=127.0.0.1" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
      -out server.crt -days 2 -extfile san.ext 2>/dev/null
    chmod 600 server.key
  ) || die "making the test certificates failed"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  local bindir
  if ! bindir="$(find_bindir)"; then
    log "PostgreSQL not found; installing Debian's postgresql package"
    [[ "$(id -u)" == 0 ]] || die "PostgreSQL is not installed and we are not root to install it"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 \
      || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; } \
      || die "apt-get install postgresql failed"
    bindir="$(find_bindir)" || die "installed postgresql but found no initdb under /usr/lib/postgresql"
  fi

  SERVER_USER="$(id -un)"
  if [[ "$(id -u)" == 0 ]]; then
    if getent passwd postgres >/dev/null; then SERVER_USER=postgres; else SERVER_USER=nobody; fi
  fi

  local port="${TAKEDOWN_POSTGRES_PORT:-55432}" tries=0
  while port_in_use "$port"; do
    port=$((port + 1))
    tries=$((tries + 1))
    ((tries < 100)) || die "no free port from ${TAKEDOWN_POSTGRES_PORT:-55432} to $port"
  done

  local dir
  dir="$(mktemp -d "${TMPDIR:-/tmp}/takedown-pg.XXXXXX")"
  chmod 755 "$dir"
  mkdir -p "$dir/data" "$dir/socket"
  [[ "$(id -u)" == 0 ]] && chown -R "$SERVER_USER" "$dir"

  make_certificates "$dir/tls"
  [[ "$(id -u)" == 0 ]] && chown -R "$SERVER_USER" "$dir/tls"

  log "initdb in $dir/data ($bindir, as $SERVER_USER)"
  as_server_user "$bindir/initdb" -D "$dir/data" --username=postgres --auth=trust \
    --encoding=UTF8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }

  log "starting on 127.0.0.1:$port"
  # pg_ctl -w waits until the server accepts connections, at most -t seconds.
  as_server_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c ssl=on -c ssl_cert_file=$dir/tls/server.crt -c ssl_key_file=$dir/tls/server.key" \
    start >&2 || { cat "$dir/server.log" >&2; die "the server did not start"; }

  # Belt and braces: a bounded wait on a real query over TCP.
  local i
  for i in $(seq 1 60); do
    if "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
      break
    fi
    ((i < 60)) || { cat "$dir/server.log" >&2; die "the server does not answer on 127.0.0.1:$port"; }
    sleep 0.5
  done

  "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc 'CREATE DATABASE takedown' >&2 \
    || die "could not create the database takedown"

  {
    echo "export TAKEDOWN_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/takedown"
    echo "export TAKEDOWN_POSTGRES_DIR=$dir"
    echo "export TAKEDOWN_POSTGRES_CA=$dir/tls/ca.pem"
    echo "export TAKEDOWN_POSTGRES_OTHER_CA=$dir/tls/other-ca.pem"
  } | tee "$dir/env"
  echo "$bindir" >"$dir/bindir"
  log "ready; stop it with: $0 stop $dir"
}

stop() {
  local dir="${1:-${TAKEDOWN_POSTGRES_DIR:-}}"
  [[ -n "$dir" && -d "$dir/data" ]] || die "usage: $0 stop DIR (the TAKEDOWN_POSTGRES_DIR that start printed)"
  local bindir
  bindir="$(cat "$dir/bindir" 2>/dev/null || find_bindir)" || die "no pg_ctl found"
  SERVER_USER="$(stat -c %U "$dir/data")"
  as_server_user "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2 || log "pg_ctl stop failed (was it running?)"
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) die "usage: $0 start | $0 stop DIR" ;;
esac
