#!/usr/bin/env bash
# Validates every OpenAPI document the binary serves with an independent validator
# (openapi-spec-validator from PyPI): the API's /openapi.json and the platform desk's.
#   .ci/openapi.sh PATH/TO/takedown
set -euo pipefail
bin="$1"
work=$(mktemp -d)
trap 'kill "${pid:-}" "${desk_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve api --listen "127.0.0.1:$port" --data-dir "$work/data" >"$work/api.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/openapi.json" -o "$work/api.json" 2>/dev/null; then break; fi
  sleep 0.1
done
[[ -s "$work/api.json" ]] || { echo "serve api did not answer /openapi.json" >&2; cat "$work/api.log" >&2; exit 1; }
python3 -m openapi_spec_validator "$work/api.json"
echo "openapi: /openapi.json of serve api is valid"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TAKEDOWN_PLATFORM_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw \
  "$bin" serve platform --listen "127.0.0.1:$port" --db "$work/platform.db" >"$work/desk.log" 2>&1 &
desk_pid=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/openapi.json" -o "$work/desk.json" 2>/dev/null; then break; fi
  sleep 0.1
done
[[ -s "$work/desk.json" ]] || { echo "serve platform did not answer /openapi.json" >&2; cat "$work/desk.log" >&2; exit 1; }
python3 -m openapi_spec_validator "$work/desk.json"
echo "openapi: /openapi.json of serve platform is valid"
