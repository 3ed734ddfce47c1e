#!/usr/bin/env bash
# Starts a Kafka-protocol broker for the service-backed tests: tansu (crates.io, Apache-Kafka
# compatible, written in Rust) on 127.0.0.1 with in-memory storage, installing it first when
# needed. The build is cached under ~/.cache/takedown/tools/target.
#
# Usage: .ci/services/kafka.sh [ENV_FILE]
#   Prints (or writes to ENV_FILE) lines to source:
#     export TAKEDOWN_KAFKA_BROKERS=127.0.0.1:PORT
#     export TAKEDOWN_KAFKA_PID=<pid>
#     export TAKEDOWN_TANSU=<the tansu binary>   (tests that start their own broker use it)
#   Stop the broker with: kill "$TAKEDOWN_KAFKA_PID"
#   Its log: ~/.cache/takedown/kafka/tansu-PORT.log (TAKEDOWN_KAFKA_LOG=debug for more).
#
# Every call starts a FRESH, empty broker on the first free port from TAKEDOWN_KAFKA_PORT
# (default 9092): a broker's topics and committed offsets outlive a test run, and a CI run
# must neither depend on what an earlier run left there nor stop a broker someone else on
# the machine is using. CI machines start without one, so CI gets 9092.
# TAKEDOWN_KAFKA_REUSE=1 instead reuses a broker this script started on TAKEDOWN_KAFKA_PORT
# when it still runs (handy for repeated local runs; the tests make their own topic
# namespace, so they do not need an empty broker).
#
# tansu's default features include no storage engine at all (`memory://` needs the
# `dynostore` feature), so it is installed with `--features dynostore`; `libsql` adds the
# SQLite engine, the only one that keeps SCRAM credentials, for the Kafka SASL/TLS test
# (tests/kafka_security.rs), which starts its own broker with `--authentication`.
set -euo pipefail

TANSU_VERSION=0.6.0
TANSU_FEATURES=dynostore,libsql
# How cargo records those features in .crates2.json.
TANSU_FEATURES_JSON='"features":["dynostore","libsql"]'
HOST=127.0.0.1
FIRST_PORT="${TAKEDOWN_KAFKA_PORT:-9092}"
CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
TANSU="$CARGO_HOME/bin/tansu"
STATE_DIR="$HOME/.cache/takedown/kafka"
ENV_FILE="${1:-}"

say() { printf 'kafka.sh: %s\n' "$*" >&2; }

# True when the installed tansu is this version built with the storage feature we need
# (cargo records each installed package's features in .crates2.json).
installed() {
  [ -x "$TANSU" ] || return 1
  local record="$CARGO_HOME/.crates2.json"
  [ -f "$record" ] || return 1
  grep -o "\"tansu $TANSU_VERSION [^}]*}" "$record" | grep -qF "$TANSU_FEATURES_JSON"
}

accepts() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

emit() {
  local port="$1" pid="$2" lines
  lines="export TAKEDOWN_KAFKA_BROKERS=$HOST:$port
export TAKEDOWN_KAFKA_PID=$pid
export TAKEDOWN_TANSU=$TANSU
# stop it with: kill \"\$TAKEDOWN_KAFKA_PID\""
  if [ -n "$ENV_FILE" ]; then
    printf '%s\n' "$lines" >"$ENV_FILE"
    say "wrote $ENV_FILE; stop the broker with: kill $pid"
  else
    printf '%s\n' "$lines"
  fi
}

if ! installed; then
  say "installing tansu $TANSU_VERSION (features: $TANSU_FEATURES); the first build takes a while"
  CARGO_TARGET_DIR="$HOME/.cache/takedown/tools/target" \
    cargo install tansu --version "$TANSU_VERSION" --locked --features "$TANSU_FEATURES" >&2
fi
mkdir -p "$STATE_DIR"

# Reuse, only when asked and only a broker of ours (its pid file names a live process that
# still serves the port).
if [ "${TAKEDOWN_KAFKA_REUSE:-0}" = 1 ]; then
  pid_file="$STATE_DIR/tansu-$FIRST_PORT.pid"
  if [ -f "$pid_file" ]; then
    pid="$(cat "$pid_file")"
    if kill -0 "$pid" 2>/dev/null && accepts "$FIRST_PORT"; then
      say "reusing the broker already running on port $FIRST_PORT (pid $pid)"
      emit "$FIRST_PORT" "$pid"
      exit 0
    fi
  fi
fi

# The first free port: a busy one belongs to someone else (another broker, another service).
port="$FIRST_PORT"
for _ in $(seq 100); do
  accepts "$port" || break
  port=$((port + 1))
done
if accepts "$port"; then
  say "no free port from $FIRST_PORT to $port"
  exit 1
fi
[ "$port" = "$FIRST_PORT" ] || say "port $FIRST_PORT is busy; using $port"
PID_FILE="$STATE_DIR/tansu-$port.pid"
LOG_FILE="$STATE_DIR/tansu-$port.log"

# setsid: the broker outlives this script and is not hit by the caller's job-control signals.
RUST_LOG="${TAKEDOWN_KAFKA_LOG:-warn}" setsid "$TANSU" broker \
  --listener-url "tcp://$HOST:$port" \
  --advertised-listener-url "tcp://$HOST:$port" \
  --storage-engine "memory://tansu/" \
  </dev/null >"$LOG_FILE" 2>&1 &
pid=$!
echo "$pid" >"$PID_FILE"

# Bounded wait: 60 × 0.5 s.
for _ in $(seq 60); do
  if ! kill -0 "$pid" 2>/dev/null; then
    say "tansu exited at start; its log:"
    tail -n 30 "$LOG_FILE" >&2
    rm -f "$PID_FILE"
    exit 1
  fi
  if accepts "$port"; then
    emit "$port" "$pid"
    exit 0
  fi
  sleep 0.5
done
say "tansu did not accept connections on $HOST:$port within 30 s; its log:"
tail -n 30 "$LOG_FILE" >&2
kill "$pid" 2>/dev/null || true
rm -f "$PID_FILE"
exit 1
