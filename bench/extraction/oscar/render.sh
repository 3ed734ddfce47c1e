#!/usr/bin/env bash
# Installs the pinned django-oscar outside the repo and renders its fixtures.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="$HOME/.cache/takedown/extraction"
mkdir -p "$cache"
[ -x "$cache/oscar/bin/python" ] || python3 -m venv "$cache/oscar"
"$cache/oscar/bin/pip" install -q "django-oscar==4.2.1" "sorl-thumbnail==13.4.0" "pillow==13.0.0" "whoosh==2.7.4"
rm -rf "$cache/oscar-site"
"$cache/oscar/bin/python" "$here/render.py"
