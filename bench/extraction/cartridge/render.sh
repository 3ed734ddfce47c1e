#!/usr/bin/env bash
# Installs the pinned Cartridge + Mezzanine outside the repo, makes a fresh demo project
# and renders its fixtures. Cartridge needs a real currency locale (Debian: locales-all).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="$HOME/.cache/takedown/extraction"
mkdir -p "$cache"
locale -a | grep -qi '^en_US.utf8$' || { echo "needs the en_US.UTF-8 locale: apt-get install locales-all" >&2; exit 1; }
[ -x "$cache/cartridge/bin/python" ] || python3 -m venv "$cache/cartridge"
"$cache/cartridge/bin/pip" install -q "cartridge==1.3.4" "mezzanine==6.1.1" "django==4.2.30" "pillow==13.0.0"
rm -rf "$cache/cartshop"
(cd "$cache" && "$cache/cartridge/bin/mezzanine-project" -a cartridge cartshop)
cat >> "$cache/cartshop/cartshop/local_settings.py" <<'PY'
SHOP_CURRENCY_LOCALE = "en_US.UTF-8"
ALLOWED_HOSTS = ["shop.example", "testserver", "localhost", "127.0.0.1"]
PY
cd "$cache/cartshop" && PYTHONPATH="$cache/cartshop" "$cache/cartridge/bin/python" "$here/render.py"
