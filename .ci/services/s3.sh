#!/usr/bin/env bash
# Starts an S3-compatible server for the service-backed tests: moto's server mode (PyPI
# `moto[server]`) on 127.0.0.1:9000 (or TAKEDOWN_S3_PORT), in memory, installing it first
# into a virtual environment under ~/.cache/takedown/tools/moto (reused when present).
#
# Usage: .ci/services/s3.sh [ENV_FILE]
#   Prints (or writes to ENV_FILE) lines to source:
#     export TAKEDOWN_S3_ENDPOINT=http://127.0.0.1:9000
#     export AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… AWS_REGION=us-east-1
#     export TAKEDOWN_S3_PID=<pid>
#   Stop the server with: kill "$TAKEDOWN_S3_PID"  (its log: ~/.cache/takedown/s3/moto.log)
# A server this script started earlier and that still runs is reused, not started twice.
# It creates no bucket: every test creates its own, so tests never see each other's blobs.
# moto accepts any credentials; the dummy ones below only have to be present, since the
# S3 client signs every request.
set -euo pipefail

MOTO_VERSION=5.2.1
HOST=127.0.0.1
PORT="${TAKEDOWN_S3_PORT:-9000}"
VENV="$HOME/.cache/takedown/tools/moto"
STATE_DIR="$HOME/.cache/takedown/s3"
PID_FILE="$STATE_DIR/moto.pid"
LOG_FILE="$STATE_DIR/moto.log"
ENV_FILE="${1:-}"

say() { printf 's3.sh: %s\n' "$*" >&2; }

# True when the virtual environment holds this moto version with its server extras (flask).
installed() {
  [ -x "$VENV/bin/moto_server" ] || return 1
  "$VENV/bin/python" -c "
import sys, flask, flask_cors
from importlib.metadata import version
sys.exit(0 if version('moto') == '$MOTO_VERSION' else 1)" 2>/dev/null
}

# True when an S3 server answers HTTP on the port (ListBuckets, unsigned: moto answers it).
answers() {
  "$VENV/bin/python" -c "
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen('http://$HOST:$PORT/', timeout=2)
except urllib.error.HTTPError:
    pass  # an HTTP error status is still an answer
except Exception:
    sys.exit(1)" 2>/dev/null
}

accepts() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

emit() {
  local lines
  lines="export TAKEDOWN_S3_ENDPOINT=http://$HOST:$PORT
export AWS_ACCESS_KEY_ID=takedown-test-key
export AWS_SECRET_ACCESS_KEY=takedown-test-secret
export AWS_REGION=us-east-1
export TAKEDOWN_S3_PID=$1
# stop it with: kill \"\$TAKEDOWN_S3_PID\""
  if [ -n "$ENV_FILE" ]; then
    printf '%s\n' "$lines" >"$ENV_FILE"
    say "wrote $ENV_FILE; stop the server with: kill $1"
  else
    printf '%s\n' "$lines"
  fi
}

command -v python3 >/dev/null 2>&1 || { say "python3 is needed for moto"; exit 1; }

if ! installed; then
  say "installing moto[server] $MOTO_VERSION into $VENV"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "moto[server]==$MOTO_VERSION" >&2
  installed || { say "moto installed but moto_server or flask is missing in $VENV"; exit 1; }
fi

mkdir -p "$STATE_DIR"
if [ -f "$PID_FILE" ]; then
  pid="$(cat "$PID_FILE")"
  if kill -0 "$pid" 2>/dev/null && answers; then
    say "reusing the server already running (pid $pid)"
    emit "$pid"
    exit 0
  fi
  rm -f "$PID_FILE"
fi
if accepts; then
  say "something else already listens on $HOST:$PORT; stop it or set TAKEDOWN_S3_PORT"
  exit 1
fi

# setsid: the server outlives this script and is not hit by the caller's job-control signals.
setsid "$VENV/bin/moto_server" -H "$HOST" -p "$PORT" </dev/null >"$LOG_FILE" 2>&1 &
pid=$!
echo "$pid" >"$PID_FILE"

# Bounded wait: 60 × 0.5 s.
for _ in $(seq 60); do
  if ! kill -0 "$pid" 2>/dev/null; then
    say "moto_server exited at start; its log:"
    tail -n 30 "$LOG_FILE" >&2
    rm -f "$PID_FILE"
    exit 1
  fi
  if answers; then
    emit "$pid"
    exit 0
  fi
  sleep 0.5
done
say "moto_server did not answer on $HOST:$PORT within 30 s; its log:"
tail -n 30 "$LOG_FILE" >&2
kill "$pid" 2>/dev/null || true
rm -f "$PID_FILE"
exit 1
