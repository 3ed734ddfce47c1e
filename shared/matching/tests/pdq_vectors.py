#!/usr/bin/env python3
"""Reference PDQ vectors for takedown-matching's PDQ test.

Draws small PNG fixtures with a seeded procedure (shapes, gradients, a little noise, odd
sizes, grey and RGBA modes) into shared/matching/tests/data/pdq/, hashes each with PyPI
`pdqhash` (Meta's C++ reference), and writes vectors.txt there:

    name  quality  hex(original)  hex(rot90) ... hex(flipminus1)

Run from the repository root (needs `pip install pdqhash pillow numpy`):

    python3 shared/matching/tests/pdq_vectors.py
"""
import pathlib
import sys

import numpy as np
import pdqhash
from PIL import Image, ImageDraw

OUT = pathlib.Path(__file__).resolve().parent / "data/pdq"


def to_hex(vector):
    # pdqhash lists bit 255 first, so packing MSB-first gives the reference's hex digits.
    return np.packbits(np.asarray(vector, dtype=np.uint8)).tobytes().hex()


def scene(rng, width, height, mode="RGB"):
    img = Image.new("RGB", (width, height), tuple(int(c) for c in rng.integers(0, 256, 3)))
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(3, 12))):
        x0, x1 = sorted(rng.integers(-width // 4, width + width // 4, 2))
        y0, y1 = sorted(rng.integers(-height // 4, height + height // 4, 2))
        fill = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse([x0, y0, x1, y1], fill=fill)
        else:
            draw.rectangle([x0, y0, x1, y1], fill=fill)
    if mode == "L":
        return img.convert("L")
    if mode == "RGBA":
        rgba = img.convert("RGBA")
        alpha = np.tile(np.linspace(0, 255, width, dtype=np.uint8), (height, 1))
        rgba.putalpha(Image.fromarray(alpha))
        return rgba
    return img


def gradient(width, height):
    x = np.linspace(0, 255, width)[None, :]
    y = np.linspace(0, 255, height)[:, None]
    r = (x + 0 * y) % 256
    g = (y + 0 * x) % 256
    b = ((x + y) / 2) % 256
    return Image.fromarray(np.dstack([r, g, b]).astype(np.uint8))


def noise(rng, width, height):
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def fixtures():
    rng = np.random.default_rng(20261122)
    yield "scene_320x240", scene(rng, 320, 240)
    yield "scene_240x320", scene(rng, 240, 320)
    yield "scene_1000x700", scene(rng, 1000, 700)
    yield "scene_129x77", scene(rng, 129, 77)
    yield "scene_64x64", scene(rng, 64, 64)
    yield "scene_63x65", scene(rng, 63, 65)
    yield "scene_grey_300x200", scene(rng, 300, 200, "L")
    yield "scene_rgba_200x150", scene(rng, 200, 150, "RGBA")
    yield "gradient_256x256", gradient(256, 256)
    yield "noise_96x80", noise(rng, 96, 80)
    yield "tiny_6x5", noise(rng, 6, 5)
    yield "flat_100x100", Image.new("RGB", (100, 100), (90, 140, 200))
    for i in range(8):
        w, h = (int(v) for v in rng.integers(48, 400, 2))
        yield f"random_{i}_{w}x{h}", scene(rng, w, h)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, img in fixtures():
        path = OUT / f"{name}.png"
        img.save(path, optimize=True)
        # Hash what the Rust side decodes: the PNG's pixels, as RGB (alpha dropped).
        rgb = np.asarray(Image.open(path).convert("RGB"))
        vectors, quality = pdqhash.compute_dihedral(rgb)
        single, quality_single = pdqhash.compute(rgb)
        assert quality == quality_single and to_hex(single) == to_hex(vectors[0])
        lines.append(" ".join([name, str(quality)] + [to_hex(v) for v in vectors]))
    (OUT / "vectors.txt").write_text("\n".join(lines) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(lines)} vectors, {total} bytes of fixtures in {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
