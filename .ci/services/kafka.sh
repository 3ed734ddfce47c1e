#!/usr/bin/env bash
# Starts a Kafka-protocol broker for the service-backed tests: tansu (crates.io, Apache-Kafka
# compatible, written in Rust) on 127.0.0.1:9092 with in-memory storage, installing it first
# when needed. The build is cached under ~/.cache/takedown/tools/target.
#
# Usage: .ci/services/kafka.sh [ENV_FILE]
#   Prints (or writes to ENV_FILE) lines to source:
#     export TAKEDOWN_KAFKA_BROKERS=127.0.0.1:9092
#     export TAKEDOWN_KAFKA_PID=<pid>
#   Stop the broker with: kill "$TAKEDOWN_KAFKA_PID"  (its log: ~/.cache/takedown/kafka/tansu.log)
# A broker this script started earlier and that still runs is reused, not started twice.
#
# tansu's default features include no storage engine at all (`memory://` needs the
# `dynostore` feature), so it is installed with `--features dynostore`.
set -euo pipefail

TANSU_VERSION=0.6.0
TANSU_FEATURES=dynostore
HOST=127.0.0.1
PORT="${TAKEDOWN_KAFKA_PORT:-9092}"
CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
TANSU="$CARGO_HOME/bin/tansu"
STATE_DIR="$HOME/.cache/takedown/kafka"
PID_FILE="$STATE_DIR/tansu.pid"
LOG_FILE="$STATE_DIR/tansu.log"
ENV_FILE="${1:-}"

say() { printf 'kafka.sh: %s\n' "$*" >&2; }

# True when the installed tansu is this version built with the storage feature we need
# (cargo records each installed package's features in .crates2.json).
installed() {
  [ -x "$TANSU" ] || return 1
  local record="$CARGO_HOME/.crates2.json"
  [ -f "$record" ] || return 1
  grep -o "\"tansu $TANSU_VERSION [^}]*}" "$record" | grep -q "\"$TANSU_FEATURES\""
}

accepts() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

emit() {
  local lines
  lines="export TAKEDOWN_KAFKA_BROKERS=$HOST:$PORT
export TAKEDOWN_KAFKA_PID=$1
# stop it with: kill \"\$TAKEDOWN_KAFKA_PID\""
  if [ -n "$ENV_FILE" ]; then
    printf '%s\n' "$lines" >"$ENV_FILE"
    say "wrote $ENV_FILE; stop the broker with: kill $1"
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
if [ -f "$PID_FILE" ]; then
  pid="$(cat "$PID_FILE")"
  if kill -0 "$pid" 2>/dev/null && accepts; then
    say "reusing the broker already running (pid $pid)"
    emit "$pid"
    exit 0
  fi
  rm -f "$PID_FILE"
fi
if accepts; then
  say "something else already listens on $HOST:$PORT; stop it or set TAKEDOWN_KAFKA_PORT"
  exit 1
fi

# setsid: the broker outlives this script and is not hit by the caller's job-control signals.
setsid "$TANSU" broker \
  --listener-url "tcp://$HOST:$PORT" \
  --advertised-listener-url "tcp://$HOST:$PORT" \
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
  if accepts; then
    emit "$pid"
    exit 0
  fi
  sleep 0.5
done
say "tansu did not accept connections on $HOST:$PORT within 30 s; its log:"
tail -n 30 "$LOG_FILE" >&2
kill "$pid" 2>/dev/null || true
rm -f "$PID_FILE"
exit 1
