#!/usr/bin/env python3
"""Builds the background set of unrelated images whose hashes ship with the project
(`shared/matching/data/background.hashes`), against which every registration's specificity
is estimated (`takedown_matching::image_hash::specificity`).

Sources (versions pinned in versions.txt; none of them is used by the held-out evaluation,
`make_heldout.py`, nor by `bench/dataset`):
  - UI glyphs:   npm @iconify-json/tabler (Tabler Icons, MIT), @iconify-json/mdi
                 (Material Design Icons, Apache-2.0)
  - flags:       npm @iconify-json/flag (flag-icons, MIT)
  - emoji:       npm @iconify-json/twemoji (Twemoji, CC-BY-4.0)
  - pictograms:  npm @iconify-json/game-icons (Game Icons, CC-BY-3.0)
  - logos:       npm @iconify-json/cib (CoreUI Brands, CC0-1.0)
  - photographs: crops of the sample photographs PyPI `scikit-image` (BSD-3-Clause /
                 public-domain images, see skimage/data/README.txt) and `matplotlib`
                 (grace_hopper.jpg, Minduka_Present_Blue_Pack.png) ship, excluding the
                 scikit-image photographs the held-out evaluation uses for its scenes.

    python3 bench/matching/make_background.py [--work DIR]

Renders the images below WORK (default ~/.cache/takedown/bench-matching/background, never
committed), then hashes them with the Rust example `background_hashes`, which rewrites the
committed data file. Everything is drawn from fixed seeds: the same versions give the same
file.
"""
import argparse
import os
import pathlib
import random
import subprocess

from PIL import Image

import iconify

# (package, how many icons drawn from it)
ICON_SETS = [
    ("@iconify-json/tabler", 1100),
    ("@iconify-json/mdi", 1100),
    ("@iconify-json/flag", 600),
    ("@iconify-json/twemoji", 800),
    ("@iconify-json/game-icons", 500),
    ("@iconify-json/cib", 500),
]
# scikit-image's sample photographs reserved for the held-out scenes (make_heldout.py).
HELDOUT_PHOTOS = {"astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg",
                  "motorcycle_left.png", "horse.png", "ihc.png", "color.png"}
BACKGROUND_PHOTOS = ["brick.png", "camera.png", "coins.png", "grass.png", "gravel.png",
                     "moon.png", "page.png", "text.png", "motorcycle_right.png", "retina.jpg",
                     "hubble_deep_field.jpg", "clock_motion.png", "cell.png"]
CROPS_PER_PHOTO = 30
SIZE = 256


def photo_paths():
    import matplotlib
    import skimage
    sk = pathlib.Path(skimage.__file__).parent / "data"
    mpl = pathlib.Path(matplotlib.__file__).parent / "mpl-data" / "sample_data"
    assert not HELDOUT_PHOTOS & set(BACKGROUND_PHOTOS)
    paths = [("skimage", sk / n) for n in BACKGROUND_PHOTOS]
    paths += [("matplotlib", mpl / n) for n in ["grace_hopper.jpg", "Minduka_Present_Blue_Pack.png"]]
    return [(s, p) for s, p in paths if p.exists()]


def crops(image, rng, count):
    image = image.convert("RGB")
    w, h = image.size
    for _ in range(count):
        side = rng.uniform(0.25, 1.0) * min(w, h)
        aspect = rng.uniform(0.6, 1.6)
        cw, ch = min(w, side * aspect), min(h, side / aspect)
        x, y = rng.uniform(0, w - cw), rng.uniform(0, h - ch)
        crop = image.crop((round(x), round(y), round(x + cw), round(y + ch)))
        crop.thumbnail((SIZE, SIZE))
        yield crop


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=pathlib.Path,
                        default=iconify.CACHE / "background")
    parser.add_argument("--out", type=pathlib.Path,
                        default=iconify.ROOT / "shared/matching/data/background.hashes")
    args = parser.parse_args()
    modules = iconify.install([p for p, _ in ICON_SETS])
    rows = []
    manifest = []
    for package, count in ICON_SETS:
        icons = iconify.IconSet(modules, package)
        rng = random.Random(f"background {package}")
        names = iconify.sample(icons.names(), count, f"background {package}")
        folder = args.work / icons.name
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            path = folder / f"{name}.png"
            colour = iconify.dark_colour(rng)
            if not path.exists():
                try:
                    img = icons.render(name, SIZE, rng.uniform(0.6, 0.95), colour)
                except ValueError:
                    continue
                flat = Image.new("RGB", img.size, (255, 255, 255))
                flat.paste(img, (0, 0), img)
                flat.save(path)
            rows.append((icons.name, path))
        manifest.append(f"{package}@{icons.version}\t{icons.license}\t{len(names)} of {len(icons.icons)} icons")
    folder = args.work / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    for source, path in photo_paths():
        rng = random.Random(f"background {path.name}")
        image = Image.open(path)
        for i, crop in enumerate(crops(image, rng, CROPS_PER_PHOTO)):
            out = folder / f"{path.stem}-{i:02d}.jpg"
            if not out.exists():
                crop.save(out, quality=90)
            rows.append((f"photo-{source}", out))
        manifest.append(f"{source} {path.name}\t-\t{CROPS_PER_PHOTO} crops")
    listing = args.work / "list.tsv"
    listing.write_text("".join(f"{s}\t{p}\n" for s, p in rows))
    (args.work / "manifest.tsv").write_text("\n".join(manifest) + "\n")
    print(f"{len(rows)} background images listed in {listing}")
    print("\n".join(manifest))
    if os.environ.get("SKIP_HASH"):
        return
    subprocess.run(["cargo", "run", "--quiet", "-p", "takedown-matching",
                    "--example", "background_hashes", "--", str(listing), str(args.out)],
                   cwd=iconify.ROOT, check=True)


if __name__ == "__main__":
    main()
