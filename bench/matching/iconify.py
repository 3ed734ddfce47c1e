"""Shared helpers for bench/matching's generators: pinned npm icon sets in Iconify JSON
format, installed once into a cache, rendered with resvg (PyPI `resvg-py`, the same
renderer `bench/dataset` uses through the Rust crate) and composed with Pillow."""
import io
import json
import pathlib
import random
import subprocess

from PIL import Image
import resvg_py

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CACHE = pathlib.Path.home() / ".cache" / "takedown" / "bench-matching"


def versions():
    """`versions.txt`: `name=version` per line (npm packages and PyPI tools)."""
    out = {}
    for line in (HERE / "versions.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "=" in line:
            name, version = line.split("=", 1)
            out[name.strip()] = version.strip()
    return out


def install(packages):
    """Installs the npm `packages` (names in versions.txt) at their pinned versions into the
    cache once; returns its node_modules."""
    pins = versions()
    CACHE.mkdir(parents=True, exist_ok=True)
    modules = CACHE / "node_modules"
    missing = [p for p in packages if not (modules / p / "package.json").exists()
               or json.loads((modules / p / "package.json").read_text())["version"] != pins[p]]
    if missing:
        if not (CACHE / "package.json").exists():
            (CACHE / "package.json").write_text('{"name":"cache","version":"0.0.0","private":true}')
        subprocess.run(["npm", "install", "--no-save", "--ignore-scripts", "--no-audit",
                        "--no-fund"] + [f"{p}@{pins[p]}" for p in missing],
                       cwd=CACHE, check=True)
    return modules


class IconSet:
    """One Iconify JSON icon set (`@iconify-json/NAME`)."""

    def __init__(self, modules, package):
        self.package = package
        self.name = package.split("/")[-1]
        data = json.loads((modules / package / "icons.json").read_text())
        self.icons = data["icons"]
        self.width = data.get("width", 16)
        self.height = data.get("height", 16)
        info_file = modules / package / "info.json"
        info = json.loads(info_file.read_text()) if info_file.exists() else (data.get("info") or {})
        self.license = (info.get("license") or {}).get("spdx", "?")
        self.title = info.get("name", self.name)
        self.version = json.loads((modules / package / "package.json").read_text())["version"]

    def names(self):
        return sorted(self.icons)

    def monochrome(self, name):
        return "currentColor" in self.icons[name]["body"]

    def svg(self, name, colour="#000000"):
        icon = self.icons[name]
        w = icon.get("width", self.width)
        h = icon.get("height", self.height)
        left, top = icon.get("left", 0), icon.get("top", 0)
        body = icon["body"].replace("currentColor", colour)
        return (f'<svg xmlns="http://www.w3.org/2000/svg" '
                f'xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="{left} {top} {w} {h}" '
                f'width="{w}" height="{h}">{body}</svg>'), w, h

    def render(self, name, size=256, fill=0.8, colour="#000000"):
        """The icon on a transparent `size`² canvas, its longer side `fill` of the side."""
        svg, w, h = self.svg(name, colour)
        scale = fill * size / max(w, h)
        tw, th = max(1, round(w * scale)), max(1, round(h * scale))
        png = resvg_py.svg_to_bytes(svg_string=svg, width=tw, height=th)
        icon = Image.open(io.BytesIO(bytes(png))).convert("RGBA")
        canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        canvas.paste(icon, ((size - icon.width) // 2, (size - icon.height) // 2), icon)
        return canvas


def sample(names, count, seed):
    """`count` of `names` (all when fewer), drawn reproducibly."""
    names = sorted(names)
    if count >= len(names):
        return names
    return sorted(random.Random(seed).sample(names, count))


def dark_colour(rng):
    """A colour a monochrome icon is printed in: mostly near-black, sometimes a brand hue."""
    if rng.random() < 0.5:
        v = rng.randrange(0, 60)
        return f"#{v:02x}{v:02x}{v:02x}"
    return "#" + "".join(f"{rng.randrange(0, 200):02x}" for _ in range(3))
