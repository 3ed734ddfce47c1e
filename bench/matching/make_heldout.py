#!/usr/bin/env python3
"""Builds the held-out image-matching evaluation set: marks, copies, distractors and scenes
from sources unlike `bench/dataset` (simple-icons + its Pillow transforms) and disjoint from
the background set the specificity check uses (`make_background.py`).

    python3 bench/matching/make_heldout.py [--out target/heldout] [--seed 14]

Sources (versions pinned in versions.txt):
  registered marks  npm @iconify-json/logos (SVG Logos, CC0-1.0), @iconify-json/fa6-brands
                    (Font Awesome 6 Brands, CC-BY-4.0), @iconify-json/lucide (Lucide UI
                    icons, ISC), @iconify-json/circle-flags (MIT), @iconify-json/noto (Noto
                    Emoji, Apache-2.0), and procedural plain shapes (bars, circle, ring,
                    square, triangle, plus, a letter in DejaVu Sans): deliberately generic
                    registrations
  distractors       npm @iconify-json/ph (Phosphor, MIT), @iconify-json/fluent-emoji-flat
                    (MIT), @iconify-json/bxl (Boxicons brands, MIT), @iconify-json/vscode-icons
                    (MIT), @iconify-json/carbon (Apache-2.0), each put through the same
                    transforms as the copies; and scenes with no mark
  scenes            crops of scikit-image's sample photographs astronaut, chelsea, coffee,
                    rocket, motorcycle_left, horse, ihc, color (none used by the background
                    set), and procedural grounds (gradients, noise, stripes, wood grain)

Transforms (all written here; none of bench/dataset's code paths):
  near   reencode (downscale + JPEG 35–70), crop_edge (3–7 % off each side), tone (gamma,
         saturation, slight blur), caption (a text banner over the picture)
  hard   perspective (corners moved 6–14 %), pad (mark at 35–60 % of a plain canvas),
         framed_screenshot (a browser-window mock with the mark in its page), sticker
         (die-cut white border, tilted, on a photo), fabric (printed on woven cloth: texture,
         waves), packaging (on a shaded box face in perspective)
  scene  scene_clutter (mark at 15–30 % of a photo among other icons), scene_product (the
         mark printed on a mug/shirt-like product shape in a photo scene)

Split: every mark and every distractor icon is in the `fit` or the `heldout` split by a hash
of its name; only the fit split may be used to choose thresholds (score.py --fit).

Writes below OUT (never committed): rights/*.png, rights.csv (right_id,file),
queries/<split>/<family>/<transform>/*.jpg|png, labels.csv
(query_file,expected,split,family,transform,source).
"""
import argparse
import csv
import hashlib
import io
import math
import pathlib
import random

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

import iconify

MARK_SETS = [("@iconify-json/logos", 40), ("@iconify-json/fa6-brands", 28),
             ("@iconify-json/lucide", 24), ("@iconify-json/circle-flags", 20),
             ("@iconify-json/noto", 24)]
DISTRACTOR_SETS = ["@iconify-json/ph", "@iconify-json/fluent-emoji-flat", "@iconify-json/bxl",
                   "@iconify-json/vscode-icons", "@iconify-json/carbon"]
DISTRACTORS_PER_SET = 170
CLEAN_SCENES = 150
PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png",
          "horse.png", "ihc.png", "color.png"]
NEAR = ["reencode", "crop_edge", "tone", "caption"]
HARD = ["perspective", "pad", "framed_screenshot", "sticker", "fabric", "packaging"]
SCENE = ["scene_clutter", "scene_product"]
PER_MARK = {"near": 2, "hard": 3, "scene": 2}
SIZE = 256
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
FONT_REGULAR = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def split_of(name):
    return "fit" if hashlib.sha256(name.encode()).digest()[0] % 2 == 0 else "heldout"


def font(size, bold=True):
    try:
        return ImageFont.truetype(FONT if bold else FONT_REGULAR, size)
    except OSError:
        return ImageFont.load_default()


# ---------------------------------------------------------------- marks

def generic_marks(rng):
    """Plain shapes a careless owner might register: transparent RGBA, SIZE²."""
    out = []

    def canvas():
        return Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))

    colours = ["#111111", "#c0392b", "#1f4e9c", "#0b7a3b", "#6b2d8f", "#e67e22"]
    shapes = ["two_bars", "three_bars", "circle", "ring", "square", "triangle", "plus",
              "letter_a", "letter_m", "two_bars_wide", "hbars", "diamond"]
    for shape in shapes:
        c = rng.choice(colours)
        img = canvas()
        d = ImageDraw.Draw(img)
        if shape == "two_bars":
            d.rectangle([70, 40, 110, 216], fill=c); d.rectangle([146, 40, 186, 216], fill=c)
        elif shape == "two_bars_wide":
            d.rectangle([50, 60, 115, 196], fill=c); d.rectangle([141, 60, 206, 196], fill=c)
        elif shape == "three_bars":
            for x in (50, 108, 166):
                d.rectangle([x, 40, x + 40, 216], fill=c)
        elif shape == "hbars":
            for y in (60, 110, 160):
                d.rectangle([40, y, 216, y + 30], fill=c)
        elif shape == "circle":
            d.ellipse([40, 40, 216, 216], fill=c)
        elif shape == "ring":
            d.ellipse([40, 40, 216, 216], outline=c, width=28)
        elif shape == "square":
            d.rectangle([48, 48, 208, 208], fill=c)
        elif shape == "triangle":
            d.polygon([(128, 36), (220, 210), (36, 210)], fill=c)
        elif shape == "diamond":
            d.polygon([(128, 30), (226, 128), (128, 226), (30, 128)], fill=c)
        elif shape == "plus":
            d.rectangle([108, 40, 148, 216], fill=c); d.rectangle([40, 108, 216, 148], fill=c)
        else:
            letter = shape[-1].upper()
            f = font(190)
            box = d.textbbox((0, 0), letter, font=f)
            d.text(((SIZE - box[2] - box[0]) / 2, (SIZE - box[3] - box[1]) / 2), letter,
                   font=f, fill=c)
        out.append((f"generic-{shape}", img))
    return out


def icon_marks(modules, rng):
    out = []
    for package, count in MARK_SETS:
        icons = iconify.IconSet(modules, package)
        names = iconify.sample(icons.names(), count, f"marks {package}")
        for name in names:
            colour = iconify.dark_colour(rng)
            try:
                img = icons.render(name, SIZE, 0.8, colour)
            except ValueError:
                continue
            out.append((f"{icons.name}-{name}", img))
    return out


def source_of(right_id):
    return right_id.split("-", 1)[0]


# ---------------------------------------------------------------- grounds

class Grounds:
    def __init__(self, rng):
        import skimage
        folder = pathlib.Path(skimage.__file__).parent / "data"
        self.photos = [Image.open(folder / n).convert("RGB") for n in PHOTOS
                       if (folder / n).exists()]
        self.rng = rng

    def photo(self, w, h):
        rng = self.rng
        p = rng.choice(self.photos)
        pw, ph = p.size
        scale = rng.uniform(0.4, 1.0)
        cw, ch = pw * scale, ph * scale
        ratio = w / h
        if cw / ch > ratio:
            cw = ch * ratio
        else:
            ch = cw / ratio
        x, y = rng.uniform(0, pw - cw), rng.uniform(0, ph - ch)
        return p.crop((int(x), int(y), int(x + cw), int(y + ch))).resize((w, h), Image.BILINEAR)

    def procedural(self, w, h):
        rng = self.rng
        kind = rng.choice(["gradient", "noise", "stripes", "wood"])
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        c1 = np.array([rng.randrange(256) for _ in range(3)], np.float32)
        c2 = np.array([rng.randrange(256) for _ in range(3)], np.float32)
        if kind == "gradient":
            a = rng.uniform(0, math.pi)
            t = (xx * math.cos(a) + yy * math.sin(a))
            t = (t - t.min()) / max(1e-6, t.max() - t.min())
        elif kind == "noise":
            small = np.random.default_rng(rng.randrange(1 << 30)).random((h // 16 + 2, w // 16 + 2))
            t = np.asarray(Image.fromarray((small * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC),
                           np.float32) / 255
        elif kind == "stripes":
            period = rng.uniform(12, 60)
            a = rng.uniform(0, math.pi)
            t = 0.5 + 0.5 * np.sign(np.sin((xx * math.cos(a) + yy * math.sin(a)) / period * 2 * math.pi))
        else:
            t = 0.5 + 0.5 * np.sin((xx / rng.uniform(3, 8)) + 4 * np.sin(yy / rng.uniform(20, 60)))
        img = c1[None, None, :] * (1 - t[..., None]) + c2[None, None, :] * t[..., None]
        return Image.fromarray(img.clip(0, 255).astype(np.uint8))

    def any(self, w, h):
        return self.photo(w, h) if self.rng.random() < 0.6 else self.procedural(w, h)


# ---------------------------------------------------------------- transforms

def on_white(img):
    flat = Image.new("RGB", img.size, (255, 255, 255))
    flat.paste(img, (0, 0), img)
    return flat


def perspective_coeffs(src, dst):
    """Coefficients for Image.transform(PERSPECTIVE) mapping output `dst` corners to input
    `src` corners."""
    a = []
    b = []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y]); b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y]); b.append(v)
    return np.linalg.solve(np.array(a, np.float64), np.array(b, np.float64)).tolist()


def warp_quad(img, quad, size):
    """`img` (RGBA) drawn into the quadrilateral `quad` of a transparent canvas `size`."""
    w, h = img.size
    coeffs = perspective_coeffs([(0, 0), (w, 0), (w, h), (0, h)], quad)
    return img.transform(size, Image.PERSPECTIVE, coeffs, Image.BICUBIC)


def jpeg(img, quality):
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def paste_scaled(ground, mark, share, rng, angle=0.0):
    """Pastes `mark` (RGBA) at `share` of the ground's shorter side, somewhere random."""
    gw, gh = ground.size
    side = max(16, int(min(gw, gh) * share))
    m = mark.resize((side, side), Image.LANCZOS)
    if angle:
        m = m.rotate(angle, Image.BICUBIC, expand=True)
    x = rng.randrange(0, max(1, gw - m.width))
    y = rng.randrange(0, max(1, gh - m.height))
    ground.paste(m, (x, y), m)
    return ground


def t_reencode(mark, rng, g, clutter):
    img = on_white(mark)
    s = rng.uniform(0.45, 0.8)
    img = img.resize((int(SIZE * s), int(SIZE * s)), Image.BILINEAR)
    return jpeg(img, rng.randrange(35, 71))


def t_crop_edge(mark, rng, g, clutter):
    img = on_white(mark)
    w, h = img.size
    l, t, r, b = (rng.uniform(0.03, 0.07) for _ in range(4))
    return img.crop((int(w * l), int(h * t), int(w * (1 - r)), int(h * (1 - b))))


def t_tone(mark, rng, g, clutter):
    img = on_white(mark)
    gamma = rng.uniform(0.6, 1.6)
    img = img.point(lambda v: int(255 * (v / 255) ** gamma))
    img = ImageEnhance.Color(img).enhance(rng.uniform(0.4, 1.6))
    return img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2)))


WORDS = ["SALE", "NEW", "50% OFF", "Original", "Free shipping", "Top quality", "HOT", "2024"]


def t_caption(mark, rng, g, clutter):
    img = on_white(mark)
    d = ImageDraw.Draw(img)
    y = rng.choice([0, SIZE - 44])
    d.rectangle([0, y, SIZE, y + 44], fill=tuple(rng.randrange(256) for _ in range(3)))
    d.text((8, y + 8), rng.choice(WORDS), font=font(26), fill=(255, 255, 255))
    return img


def t_perspective(mark, rng, g, clutter):
    w = h = SIZE
    j = lambda: rng.uniform(0.06, 0.14) * SIZE
    quad = [(j(), j()), (w - j(), j()), (w - j(), h - j()), (j(), h - j())]
    warped = warp_quad(mark, quad, (w, h))
    ground = Image.new("RGB", (w, h), tuple(rng.randrange(200, 256) for _ in range(3)))
    ground.paste(warped, (0, 0), warped)
    return ground


def t_pad(mark, rng, g, clutter):
    w, h = rng.choice([(640, 480), (600, 600), (480, 640), (800, 500)])
    colour = tuple(rng.randrange(256) for _ in range(3)) if rng.random() < 0.5 else (255, 255, 255)
    ground = Image.new("RGB", (w, h), colour)
    return paste_scaled(ground, mark, rng.uniform(0.35, 0.6), rng)


def t_framed_screenshot(mark, rng, g, clutter):
    w, h = 800, 560
    img = Image.new("RGB", (w, h), (236, 236, 236))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w, 36], fill=(210, 210, 214))
    for i, c in enumerate([(237, 106, 94), (245, 191, 79), (98, 197, 84)]):
        d.ellipse([12 + i * 20, 12, 24 + i * 20, 24], fill=c)
    d.rounded_rectangle([90, 8, w - 40, 28], 8, fill=(250, 250, 250))
    d.text((100, 11), "https://shop.example/item/" + str(rng.randrange(10**6)),
           font=font(12, False), fill=(90, 90, 90))
    d.rectangle([0, 36, 180, h], fill=(248, 248, 250))
    for i in range(12):
        d.rectangle([16, 56 + i * 34, 16 + rng.randrange(80, 150), 68 + i * 34], fill=(200, 200, 205))
    page = Image.new("RGB", (w - 200, h - 56), (255, 255, 255))
    share = rng.uniform(0.3, 0.5)
    side = int(min(page.size) * share)
    m = mark.resize((side, side), Image.LANCZOS)
    page.paste(m, (rng.randrange(10, page.width - side - 10), rng.randrange(10, page.height - side - 10)), m)
    pd = ImageDraw.Draw(page)
    for i in range(6):
        y = page.height - 20 - i * 18
        pd.rectangle([20, y, 20 + rng.randrange(100, 400), y + 8], fill=(120, 120, 120))
    img.paste(page, (190, 46))
    return jpeg(img, rng.randrange(70, 92)) if rng.random() < 0.5 else img


def t_sticker(mark, rng, g, clutter):
    alpha = np.asarray(mark.split()[3])
    grown = Image.fromarray(alpha).filter(ImageFilter.MaxFilter(17))
    sticker = Image.new("RGBA", mark.size, (255, 255, 255, 0))
    sticker.paste((255, 255, 255, 255), (0, 0), grown)
    sticker.alpha_composite(mark)
    shadow = Image.new("RGBA", mark.size, (0, 0, 0, 0))
    shadow.paste((0, 0, 0, 90), (0, 0), grown.filter(ImageFilter.GaussianBlur(4)))
    combined = Image.new("RGBA", (SIZE + 8, SIZE + 8), (0, 0, 0, 0))
    combined.alpha_composite(shadow, (6, 6))
    combined.alpha_composite(sticker, (0, 0))
    w, h = rng.choice([(512, 512), (640, 480)])
    ground = g.any(w, h)
    return paste_scaled(ground, combined, rng.uniform(0.45, 0.75), rng, rng.uniform(-12, 12))


def t_fabric(mark, rng, g, clutter):
    w = h = 480
    base = np.array([rng.randrange(60, 240) for _ in range(3)], np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    weave = 0.85 + 0.08 * np.sin(xx * 1.6) * np.sin(yy * 1.6) + \
        0.07 * np.random.default_rng(rng.randrange(1 << 30)).random((h, w))
    cloth = base[None, None, :] * weave[..., None]
    side = int(w * rng.uniform(0.4, 0.6))
    m = np.asarray(mark.resize((side, side), Image.LANCZOS), np.float32) / 255
    x0, y0 = rng.randrange(0, w - side), rng.randrange(0, h - side)
    ink = m[..., :3] * 255
    a = m[..., 3:4] * rng.uniform(0.75, 0.95)
    region = cloth[y0:y0 + side, x0:x0 + side]
    # Printed ink takes the weave's shading.
    cloth[y0:y0 + side, x0:x0 + side] = region * (1 - a) + ink * weave[y0:y0 + side, x0:x0 + side, None] * a
    # Gentle waves (the cloth is not flat).
    amp, period = rng.uniform(2, 6), rng.uniform(40, 90)
    src_x = (xx + amp * np.sin(yy / period * 2 * math.pi)).clip(0, w - 1).astype(np.int32)
    src_y = (yy + amp * np.sin(xx / period * 2 * math.pi)).clip(0, h - 1).astype(np.int32)
    out = cloth[src_y, src_x]
    return jpeg(Image.fromarray(out.clip(0, 255).astype(np.uint8)), rng.randrange(70, 90))


def t_packaging(mark, rng, g, clutter):
    w, h = 560, 560
    ground = g.any(w, h)
    face_colour = tuple(rng.randrange(160, 256) for _ in range(3))
    face = Image.new("RGBA", (300, 380), face_colour + (255,))
    m = mark.resize((220, 220), Image.LANCZOS)
    face.paste(m, (40, 60), m)
    fd = ImageDraw.Draw(face)
    fd.text((40, 300), rng.choice(WORDS), font=font(28), fill=(40, 40, 40, 255))
    shade = np.linspace(1.0, rng.uniform(0.6, 0.85), face.width, dtype=np.float32)
    arr = np.asarray(face, np.float32)
    arr[..., :3] *= shade[None, :, None]
    face = Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGBA")
    j = lambda: rng.uniform(0, 50)
    quad = [(100 + j(), 60 + j()), (420 - j(), 90 + j()), (430 - j(), 500 - j()), (90 + j(), 480 - j())]
    warped = warp_quad(face, quad, (w, h))
    ground.paste(warped, (0, 0), warped)
    return jpeg(ground, rng.randrange(70, 92))


def t_scene_clutter(mark, rng, g, clutter):
    w, h = rng.choice([(640, 480), (800, 600), (600, 600)])
    ground = g.any(w, h)
    for other in rng.sample(clutter, 3):
        paste_scaled(ground, other, rng.uniform(0.1, 0.2), rng, rng.uniform(-20, 20))
    paste_scaled(ground, mark, rng.uniform(0.15, 0.3), rng, rng.uniform(-10, 10))
    return jpeg(ground, rng.randrange(65, 90))


def t_scene_product(mark, rng, g, clutter):
    w, h = 640, 480
    ground = g.photo(w, h)
    d = ImageDraw.Draw(ground)
    colour = tuple(rng.randrange(256) for _ in range(3))
    if rng.random() < 0.5:   # a mug
        box = [200, 110, 440, 400]
        d.rounded_rectangle(box, 24, fill=colour)
        d.ellipse([420, 180, 500, 320], outline=colour, width=22)
    else:                    # a shirt
        d.polygon([(220, 90), (420, 90), (500, 160), (450, 200), (420, 180), (420, 420),
                   (220, 420), (220, 180), (190, 200), (140, 160)], fill=colour)
        box = [220, 90, 420, 420]
    side = int((box[2] - box[0]) * rng.uniform(0.45, 0.7))
    m = mark.resize((side, side), Image.LANCZOS)
    cx, cy = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
    ground.paste(m, (cx - side // 2, cy - side // 2), m)
    return jpeg(ground, rng.randrange(65, 90))


TRANSFORMS = {name: globals()[f"t_{name}"] for name in NEAR + HARD + SCENE}


def family_of(transform):
    return "near" if transform in NEAR else "hard" if transform in HARD else "scene"


# ---------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=pathlib.Path, default=iconify.ROOT / "target/heldout")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    modules = iconify.install([p for p, _ in MARK_SETS] + DISTRACTOR_SETS)
    out = args.out
    (out / "rights").mkdir(parents=True, exist_ok=True)
    grounds = Grounds(rng)

    marks = icon_marks(modules, rng) + generic_marks(rng)
    with open(out / "rights.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["right_id", "file"])
        for right_id, img in marks:
            img.save(out / "rights" / f"{right_id}.png")
            w.writerow([right_id, f"rights/{right_id}.png"])

    distractors = []
    for package in DISTRACTOR_SETS:
        icons = iconify.IconSet(modules, package)
        for name in iconify.sample(icons.names(), DISTRACTORS_PER_SET, f"distractors {package}"):
            try:
                img = icons.render(name, SIZE, 0.8, iconify.dark_colour(rng))
            except ValueError:
                continue
            distractors.append((f"{icons.name}-{name}", img))
    clutter = [img for _, img in distractors[::7]]

    labels = []

    def save(img, split, family, transform, name, expected, source):
        folder = out / "queries" / split / family / transform
        folder.mkdir(parents=True, exist_ok=True)
        ext = "png" if rng.random() < 0.3 else "jpg"
        path = folder / f"{name}.{ext}"
        if ext == "jpg":
            img.convert("RGB").save(path, quality=90)
        else:
            img.convert("RGB").save(path)
        labels.append([str(path.relative_to(out / "queries")), expected, split, family,
                       transform, source])

    for right_id, mark in marks:
        split = split_of(right_id)
        for family, count in PER_MARK.items():
            pool = {"near": NEAR, "hard": HARD, "scene": SCENE}[family]
            for transform in rng.sample(pool, count):
                img = TRANSFORMS[transform](mark, rng, grounds, clutter)
                save(img, split, family, transform, right_id, right_id, source_of(right_id))

    every = NEAR + HARD + SCENE
    for i, (name, img) in enumerate(distractors):
        split = split_of(name)
        transform = every[i % len(every)]
        q = TRANSFORMS[transform](img, rng, grounds, clutter)
        save(q, split, "distractor", transform, name, "", source_of(name))
    for i in range(CLEAN_SCENES):
        name = f"clean-{i:03d}"
        w, h = rng.choice([(640, 480), (800, 600), (600, 600)])
        ground = grounds.any(w, h)
        for other in rng.sample(clutter, rng.randrange(0, 4)):
            paste_scaled(ground, other, rng.uniform(0.1, 0.25), rng, rng.uniform(-20, 20))
        save(jpeg(ground, rng.randrange(65, 90)), split_of(name), "distractor", "clean_scene",
             name, "", "scene")

    with open(out / "labels.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["query_file", "expected", "split", "family", "transform", "source"])
        w.writerows(labels)
    pos = sum(1 for l in labels if l[1])
    print(f"{len(marks)} marks, {pos} copies, {len(labels) - pos} distractors -> {out}")


if __name__ == "__main__":
    main()
