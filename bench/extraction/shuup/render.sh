#!/usr/bin/env bash
# Installs the pinned Shuup outside the repo and renders its fixtures.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="$HOME/.cache/takedown/extraction"
mkdir -p "$cache"
# Shuup 3.1 pins Babel 2.5.3, which imports collections.MutableMapping: Python <= 3.9.
[ -x "$cache/shuup/bin/python" ] || "${SHUUP_PYTHON:-python3.9}" -m venv "$cache/shuup"
"$cache/shuup/bin/pip" install -q "shuup==3.1.0"
# Its pinned django-enumfields 2.0 and markupsafe 2.1 break on Python 3.9's enum and
# Jinja 2's `soft_unicode`: the nearest releases that work.
"$cache/shuup/bin/pip" install -q --no-deps "django-enumfields==2.1.1" "markupsafe==2.0.1"
rm -rf "$cache/shuup-site" && mkdir -p "$cache/shuup-site"
SHUUP_RENDER_DIR="$cache/shuup-site" "$cache/shuup/bin/python" "$here/render.py"
