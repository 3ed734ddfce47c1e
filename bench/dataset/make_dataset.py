#!/usr/bin/env python3
"""Builds the matching engine's evaluation dataset, reproducibly, from pinned inputs.

Logos: the npm package `simple-icons` (CC0) at the version in `versions.txt`, installed into
a cache directory with npm, rendered to transparent PNGs by the Rust example
`shared/matching/examples/render_icons.rs` (resvg), then transformed here with Pillow under
a fixed seed. Titles: registered word marks (simple-icons brand names plus a few Chinese
marks) and their variants, and ordinary titles that must not be flagged.

    python3 bench/dataset/make_dataset.py [--out target/dataset] [--seed 3]

Writes, below OUT (never committed; rerun to regenerate):
    rights/<slug>.png, rights.csv           registered logos (`right_id,file`)
    queries/<group>/<transform>/<name>.*    query images
    labels.csv                              query_file,expected,group,transform
    marks.csv, titles.csv, title_labels.csv the word-mark half

`expected` is the right id the query shows, empty for a distractor. Everything is drawn
from one `random.Random(seed)`, in a fixed order, so the same versions give the same files.
"""
import argparse
import colorsys
import csv
import json
import math
import pathlib
import random
import subprocess
import sys

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VERSIONS = dict(
    line.split("=", 1) for line in (HERE / "versions.txt").read_text().split()
    if "=" in line)

REGISTERED = 120        # logos registered as rights
DISTRACTOR_LOGOS = 120  # other logos, never registered
SCENES_CLEAN = 150      # scenes with no logo
RENDER_PX = 256

NEAR = ["resize", "jpeg", "crop_small", "brightness", "overlay_text"]
HARD = ["crop_third", "rotate15", "flip", "recolour", "screenshot"]
SCENE = ["scene_tile", "scene_bare"]


def install_icons():
    """simple-icons at the pinned version, installed once into the cache."""
    version = VERSIONS["simple-icons"]
    cache = pathlib.Path.home() / ".cache" / "takedown" / f"simple-icons-{version}"
    package = cache / "node_modules" / "simple-icons"
    if not (package / "data" / "simple-icons.json").exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-save", "--ignore-scripts",
                        f"simple-icons@{version}"], cwd=cache, check=True)
    return package


def render(package, slugs_hex, out):
    """Renders `(slug, hex)` pairs to OUT/<slug>.png with the Rust example (resvg)."""
    out.mkdir(parents=True, exist_ok=True)
    listing = out / "render-list.txt"
    listing.write_text("".join(f"{s} {h}\n" for s, h in slugs_hex))
    subprocess.run(["cargo", "run", "--quiet", "-p", "takedown-matching", "--example",
                    "render_icons", "--", str(listing), str(package / "icons"), str(out),
                    str(RENDER_PX)], cwd=ROOT, check=True)


def luminance(rgb):
    r, g, b = rgb
    return 0.299 * r + 0.587 * g + 0.114 * b


def hex_rgb(h):
    return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))


def page_background(brand):
    """What a web page shows the logo on: white, or dark grey for a light logo."""
    return (32, 32, 32) if luminance(brand) > 190 else (255, 255, 255)


def flatten(logo, background):
    base = Image.new("RGBA", logo.size, background + (255,))
    return Image.alpha_composite(base, logo).convert("RGB")


def font(size):
    # Pillow's bundled scalable font: the same glyphs on every machine.
    return ImageFont.load_default(size=max(8, int(size)))


def random_colour(rng):
    return tuple(rng.randrange(256) for _ in range(3))


def contrasting_pair(rng):
    """A logo colour and a background colour at least 70 levels of luminance apart."""
    while True:
        fg, bg = random_colour(rng), random_colour(rng)
        if abs(luminance(fg) - luminance(bg)) >= 70:
            return fg, bg


def recolour_logo(logo, colour):
    """The logo's shape (its alpha) filled with another colour."""
    solid = Image.new("RGBA", logo.size, colour + (255,))
    solid.putalpha(logo.getchannel("A"))
    return solid


def scene(rng, size=(640, 480)):
    """A photo-like scene: a lit gradient, objects, soft shadows, sensor noise."""
    w, h = size
    top, bottom = random_colour(rng), random_colour(rng)
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    for y in range(h):
        t = y / (h - 1)
        draw.line([(0, y), (w, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    for _ in range(rng.randint(5, 12)):
        layer = Image.new("RGBA", size, (0, 0, 0, 0))
        d = ImageDraw.Draw(layer)
        x0, y0 = rng.randrange(-80, w), rng.randrange(-80, h)
        x1, y1 = x0 + rng.randint(40, 300), y0 + rng.randint(40, 260)
        colour = random_colour(rng) + (rng.randint(150, 255),)
        kind = rng.random()
        if kind < 0.4:
            d.ellipse([x0, y0, x1, y1], fill=colour)
        elif kind < 0.8:
            d.rounded_rectangle([x0, y0, x1, y1], radius=rng.randint(0, 30), fill=colour)
        else:
            points = [(rng.randrange(x0, x1), rng.randrange(y0, y1)) for _ in range(5)]
            d.polygon(points, fill=colour)
        if rng.random() < 0.5:
            layer = layer.filter(ImageFilter.GaussianBlur(rng.uniform(1, 6)))
        img = Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB")
    noise = Image.effect_noise(size, rng.uniform(4, 12)).convert("RGB")
    img = Image.blend(img, noise, 0.08)
    return img.filter(ImageFilter.GaussianBlur(0.6))


def crop_fraction(img, left, top, right, bottom):
    w, h = img.size
    return img.crop((int(w * left), int(h * top), int(w * (1 - right)), int(h * (1 - bottom))))


def transform(name, logo, brand, rng):
    """Applies transform `name` to a registered logo (RGBA); returns (image, format)."""
    bg = page_background(brand)
    flat = flatten(logo, bg)
    if name == "resize":
        scale = rng.choice([rng.uniform(0.35, 0.6), rng.uniform(1.5, 2.0)])
        size = (round(flat.width * scale), round(flat.height * scale))
        return flat.resize(size, Image.Resampling.LANCZOS), "png"
    if name == "jpeg":
        return flat, ("jpeg", rng.randint(25, 60))
    if name == "crop_small":
        return crop_fraction(flat, *(rng.uniform(0.02, 0.06) for _ in range(4))), "png"
    if name == "brightness":
        factor = rng.choice([rng.uniform(0.7, 0.85), rng.uniform(1.15, 1.35)])
        return ImageEnhance.Brightness(flat).enhance(factor), "png"
    if name == "overlay_text":
        img = flat.convert("RGBA")
        layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
        d = ImageDraw.Draw(layer)
        text = rng.choice(["SALE -50%", "www.best-deals.shop", "ORIGINAL", "Free shipping",
                           "HOT 2026", "only $9.99"])
        f = font(img.height * rng.uniform(0.07, 0.10))
        x = rng.randint(0, img.width // 3)
        y = rng.choice([rng.randint(0, img.height // 8), rng.randint(img.height * 3 // 4,
                                                                     img.height * 7 // 8)])
        colour = rng.choice([(200, 0, 0), (0, 0, 0), (0, 90, 200)]) + (rng.randint(160, 230),)
        d.text((x, y), text, font=f, fill=colour)
        return Image.alpha_composite(img, layer).convert("RGB"), "png"
    if name == "crop_third":
        side = rng.choice(["left", "top", "right", "bottom"])
        cut = {"left": (1 / 3, 0, 0, 0), "top": (0, 1 / 3, 0, 0), "right": (0, 0, 1 / 3, 0),
               "bottom": (0, 0, 0, 1 / 3)}[side]
        return crop_fraction(flat, *cut), "png"
    if name == "rotate15":
        angle = rng.choice([-15, 15])
        return flat.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True,
                           fillcolor=bg), "png"
    if name == "flip":
        return ImageOps.mirror(flat), "png"
    if name == "recolour":
        fg, new_bg = contrasting_pair(rng)
        return flatten(recolour_logo(logo, fg), new_bg), "png"
    if name == "screenshot":
        return screenshot(flat, rng), "png"
    raise ValueError(name)


def screenshot(flat, rng):
    """The logo shown in a browser window: title bar, address bar, sidebar, body text."""
    logo_px = rng.randint(180, 240)
    logo = flat.resize((logo_px, logo_px), Image.Resampling.LANCZOS)
    w, h = logo_px + rng.randint(160, 260), logo_px + rng.randint(120, 180)
    img = Image.new("RGB", (w, h), (250, 250, 250))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w, 28], fill=(222, 225, 230))
    for i, c in enumerate([(255, 95, 86), (255, 189, 46), (39, 201, 63)]):
        d.ellipse([8 + i * 16, 9, 18 + i * 16, 19], fill=c)
    d.rounded_rectangle([70, 6, w - 20, 22], radius=6, fill=(255, 255, 255))
    d.text((80, 8), "https://shop.example/item/" + str(rng.randint(1000, 9999)),
           font=font(11), fill=(90, 90, 90))
    sidebar = rng.randint(70, 110)
    d.rectangle([0, 29, sidebar, h], fill=(240, 242, 245))
    for y in range(45, h - 10, 18):
        d.rectangle([10, y, sidebar - rng.randint(10, 40), y + 6], fill=(190, 195, 200))
    x0, y0 = sidebar + rng.randint(10, 30), 40
    img.paste(logo, (x0, y0))
    for y in range(y0, y0 + logo_px, 16):
        x, x_end = x0 + logo_px + 12, w - rng.randint(15, 50)
        if x < x_end:
            d.rectangle([x, y, x_end, y + 6], fill=(170, 170, 175))
    d.rectangle([0, 0, w - 1, h - 1], outline=(150, 150, 150))
    return img


def paste_in_scene(logo, brand, rng, bare):
    """The logo pasted into a scene, covering 15–40% of its area: on a printed label
    (`bare` False) or straight onto the scene with its transparency (`bare` True)."""
    img = scene(rng)
    share = rng.uniform(0.15, 0.40)
    side = int(math.sqrt(share * img.width * img.height))
    side = min(side, img.height)
    sized = logo.resize((side, side), Image.Resampling.LANCZOS)
    x, y = rng.randint(0, img.width - side), rng.randint(0, img.height - side)
    if bare:
        img.paste(sized, (x, y), sized)
    else:
        img.paste(flatten(sized, page_background(brand)), (x, y))
    return img


def save(img, fmt, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(fmt, tuple):
        img.save(path.with_suffix(".jpg"), "JPEG", quality=fmt[1])
        return path.with_suffix(".jpg")
    img.save(path.with_suffix(".png"), "PNG")
    return path.with_suffix(".png")


# ---- titles -------------------------------------------------------------------------------

CHINESE_MARKS = [  # mark, same-pinyin substitute (one character swapped), traditional form
    ("华为", "华伟", "華為"), ("小米", "晓米", None), ("李宁", "李柠", "李寧"),
    ("安踏", "安塔", None), ("云豹", "芸豹", "雲豹"), ("飞鹤", "非鹤", "飛鶴"),
    ("红豆", "宏豆", "紅豆"), ("美的", "美地", None), ("海尔", "海耳", "海爾"),
    ("格力", "格丽", None), ("长城", "长成", "長城"), ("龙凤", "隆凤", "龍鳳"),
]
PRODUCTS = ["running shoes", "hoodie", "backpack", "wireless earbuds", "phone case",
            "water bottle", "t-shirt", "sneakers", "cap", "smart watch", "jacket",
            "charging cable", "laptop sleeve", "sunglasses", "keychain", "mug"]
ADJECTIVES = ["new", "genuine", "cheap", "2026", "men's", "women's", "kids", "black",
              "white", "large", "slim", "original", "premium", "classic", "limited"]
ORDINARY = ["cotton", "leather", "steel", "waterproof", "bluetooth", "organic", "vintage",
            "sport", "travel", "outdoor", "kitchen", "garden", "office", "summer", "winter",
            "blue", "red", "green", "soft", "light", "fast", "strong", "mini", "pro", "max",
            "plus", "home", "party", "gift", "set", "pack", "size", "fit", "style", "comfort"]
CN_ORDINARY = ["运动鞋", "连衣裙", "手机壳", "保温杯", "双肩包", "蓝牙耳机", "羽绒服", "电饭煲",
               "儿童玩具", "纯棉T恤", "新款", "正品", "包邮", "特价", "男士", "女士"]
CYRILLIC = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у",
            "i": "і", "k": "к", "m": "м", "t": "т", "h": "һ"}
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
DIACRITIC = {"a": "á", "e": "é", "i": "ï", "o": "ö", "u": "ü", "n": "ñ", "c": "ç"}


def damerau_one(rng, word):
    """One edit a counterfeiter makes: swap two neighbours, drop, double or change a letter
    (never the first: a changed first letter reads as another word)."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["swap", "drop", "double", "change"])
    if kind == "swap" and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    letters = [c for c in "abcdefghijklmnopqrstuvwxyz" if c != word[i].lower()]
    return word[:i] + rng.choice(letters) + word[i + 1:]


def substitute(rng, word, table, at_least=1):
    spots = [i for i, c in enumerate(word) if c.lower() in table]
    if not spots:
        return None
    chosen = rng.sample(spots, min(len(spots), max(at_least, len(spots) // 2)))
    return "".join(table[c.lower()] if i in chosen else c for i, c in enumerate(word))


def in_title(rng, mark):
    a, p = rng.choice(ADJECTIVES), rng.choice(PRODUCTS)
    return rng.choice([f"{mark} {a} {p}", f"{a} {mark} {p}", f"{a} {p} for {mark} fans",
                       f"{p} {mark} style {rng.choice(ORDINARY)}"])


def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def make_titles(rng, icons, registered_slugs, out):
    def simple_name(t):
        return t.isascii() and t.replace(" ", "").isalpha() and 4 <= len(t) <= 14 \
            and t.count(" ") <= 1
    registered = [i for i in icons if i["slug"] in registered_slugs and simple_name(i["title"])]
    others = [i for i in icons if i["slug"] not in registered_slugs and simple_name(i["title"])]
    marks = [(f"wm-{i['slug']}", i["title"]) for i in registered[:80]]
    marks += [(f"wm-cn-{n}", m) for n, (m, _, _) in enumerate(CHINESE_MARKS)]
    folded = [m.lower().replace(" ", "") for _, m in marks]
    rows = []  # title, expected right id or "", kind

    for right, mark in marks[:80]:
        word = mark.replace(" ", "")
        rows.append((in_title(rng, mark), right, "exact_in_title"))
        rows.append((in_title(rng, mark.upper()), right, "case"))
        if len(word) >= 5:  # shorter marks allow no edit (see text/latin.rs)
            rows.append((in_title(rng, damerau_one(rng, word)), right, "misspelling"))
        for kind, table in [("leet", LEET), ("confusable", CYRILLIC), ("diacritics", DIACRITIC)]:
            variant = substitute(rng, word, table)
            if variant:
                rows.append((in_title(rng, variant), right, kind))
        spaced = rng.choice([" ", ".", "-", " . "]).join(word.upper() if rng.random() < 0.5
                                                         else word)
        rows.append((in_title(rng, spaced), right, "spacing"))
    for n, (mark, homophone, traditional) in enumerate(CHINESE_MARKS):
        right = f"wm-cn-{n}"
        rows.append((f"{mark}{rng.choice(CN_ORDINARY)}{rng.choice(CN_ORDINARY)}", right,
                     "cjk_exact"))
        rows.append((f"{rng.choice(CN_ORDINARY)}{homophone}{rng.choice(CN_ORDINARY)}", right,
                     "cjk_same_pinyin"))
        if traditional:
            rows.append((f"{traditional}{rng.choice(CN_ORDINARY)}", right, "cjk_traditional"))

    def no_mark(title):
        joined = "".join(title.lower().split())
        return not any(m in joined for m in folded)

    def clean(title):
        # An unregistered brand within 2 edits of a registered one may well be a copy:
        # leave such names out rather than guess the truth.
        words = title.lower().split()
        return no_mark(title) and all(edit_distance(w, m) > 2 for w in words for m in folded)

    negatives = []
    while len(negatives) < 500:
        title = " ".join([rng.choice(ADJECTIVES)] + rng.sample(ORDINARY, rng.randint(1, 3))
                         + [rng.choice(PRODUCTS)])
        if no_mark(title):  # ordinary words, even ones a few edits from a mark
            negatives.append((title, "", "ordinary"))
    for other in others:
        if len(negatives) >= 650:
            break
        title = in_title(rng, other["title"])
        if clean(title):  # an unregistered brand, not within 2 edits of a registered one
            negatives.append((title, "", "unregistered_brand"))
    for _ in range(60):
        negatives.append(("".join(rng.sample(CN_ORDINARY, 3)), "", "cjk_ordinary"))
    rows += negatives

    with open(out / "marks.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["right_id", "text"])
        w.writerows(marks)
    with open(out / "titles.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["title"])
        w.writerows([[t] for t, _, _ in rows])
    with open(out / "title_labels.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["title", "expected", "kind"])
        w.writerows(rows)
    return len(marks), len(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "target" / "dataset"))
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    rng = random.Random(args.seed)

    package = install_icons()
    icons = json.loads((package / "data" / "simple-icons.json").read_text())
    icons = [i for i in icons if (package / "icons" / f"{i['slug']}.svg").exists()]
    icons.sort(key=lambda i: i["slug"])
    rng.shuffle(icons)
    chosen = icons[:REGISTERED + DISTRACTOR_LOGOS]
    render(package, [(i["slug"], i["hex"]) for i in chosen], out / "rendered")
    registered, distractors = chosen[:REGISTERED], chosen[REGISTERED:]

    labels = []
    rights_dir = out / "rights"
    rights_dir.mkdir(parents=True, exist_ok=True)
    with open(out / "rights.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["right_id", "file"])
        for icon in registered:
            logo = Image.open(out / "rendered" / f"{icon['slug']}.png").convert("RGBA")
            logo.save(rights_dir / f"{icon['slug']}.png")
            w.writerow([f"r-{icon['slug']}", f"rights/{icon['slug']}.png"])

    queries = out / "queries"
    for icon in registered:
        logo = Image.open(out / "rendered" / f"{icon['slug']}.png").convert("RGBA")
        brand = hex_rgb(icon["hex"])
        for group, names in [("near", NEAR), ("hard", HARD)]:
            for name in names:
                img, fmt = transform(name, logo, brand, rng)
                path = save(img, fmt, queries / group / name / icon["slug"])
                labels.append((path.relative_to(queries), f"r-{icon['slug']}", group, name))
        for name in SCENE:
            img = paste_in_scene(logo, brand, rng, bare=name == "scene_bare")
            path = save(img, ("jpeg", 85), queries / "scene" / name / icon["slug"])
            labels.append((path.relative_to(queries), f"r-{icon['slug']}", "scene", name))

    for icon in distractors:
        logo = Image.open(out / "rendered" / f"{icon['slug']}.png").convert("RGBA")
        brand = hex_rgb(icon["hex"])
        path = save(flatten(logo, page_background(brand)), "png",
                    queries / "negative" / "other_logo" / icon["slug"])
        labels.append((path.relative_to(queries), "", "negative", "other_logo"))
        name = rng.choice(NEAR + HARD)
        img, fmt = transform(name, logo, brand, rng)
        path = save(img, fmt, queries / "negative" / "other_logo_edited" / icon["slug"])
        labels.append((path.relative_to(queries), "", "negative", "other_logo_edited"))
        img = paste_in_scene(logo, brand, rng, bare=rng.random() < 0.5)
        path = save(img, ("jpeg", 85), queries / "negative" / "other_logo_in_scene" / icon["slug"])
        labels.append((path.relative_to(queries), "", "negative", "other_logo_in_scene"))
    for n in range(SCENES_CLEAN):
        path = save(scene(rng), ("jpeg", 85), queries / "negative" / "scene" / f"scene{n:03}")
        labels.append((path.relative_to(queries), "", "negative", "scene"))

    with open(out / "labels.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["query_file", "expected", "group", "transform"])
        w.writerows((str(p), e, g, t) for p, e, g, t in labels)
    n_marks, n_titles = make_titles(rng, icons, {i["slug"] for i in registered}, out)
    print(f"{len(registered)} registered logos, {len(labels)} query images, "
          f"{n_marks} word marks, {n_titles} titles in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
