"""Shared by the render scripts: photos generated with Pillow (our own work, CC0), the
demo catalogue every system is filled with, and writing a page with its ground truth.

The ground truth is written from the data the script created (titles, prices, sellers)
and from the image URLs the shop software itself reports for those photos, never from
our extractor's output.
"""

import json
import pathlib

from PIL import Image, ImageDraw

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = REPO / "services/crawler/src/extract/fixtures/rendered"

# Three products, one to three photos each; a seller where the system has a field for it.
CATALOGUE = [
    {"title": "Canvas Weekender Bag", "price": "129.00", "seller": "Northwind Leatherworks",
     "photos": [("#8b5a2b", "bag-front"), ("#5a3a1b", "bag-side"), ("#c8a064", "bag-inside")]},
    {"title": "Ceramic Pour-Over Kettle", "price": "54.50", "seller": "Bluefield Ceramics",
     "photos": [("#3b6ea5", "kettle-front"), ("#9fc2e7", "kettle-top")]},
    {"title": "Merino Wool Scarf", "price": "39.95", "seller": "Highland Knit Co.",
     "photos": [("#7a1f3d", "scarf")]},
]


def photo(path, colour, label, size=(800, 600)):
    """A JPEG of a product-like shape, distinct per product and photo."""
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.rounded_rectangle((w // 6, h // 5, 5 * w // 6, 4 * h // 5), radius=40, fill=colour)
    draw.ellipse((w // 3, h // 10, 2 * w // 3, h // 3), outline=colour, width=18)
    draw.text((w // 6 + 20, 4 * h // 5 - 40), label, fill="white")
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "JPEG", quality=85)
    return path


def save(system, name, html, truth):
    """Writes `<name>.html` and its ground truth `<name>.json` for one system."""
    out = FIXTURES / system
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.html").write_text(html, encoding="utf-8")
    (out / f"{name}.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    print(f"wrote {out / name}.html")
