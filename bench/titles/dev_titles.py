#!/usr/bin/env python3
"""The development dataset's titles alone: bench/dataset/make_dataset.py's own title
generator (`make_titles`, simple-icons brand names and its variant lists), without the
images.

    python3 bench/titles/dev_titles.py --npm NPM_DIR --out OUT [--seed 3]

make_dataset.py draws the images first from the same random stream, so these titles are
not byte-identical to the fitted dataset's `title_labels.csv`; they are the same generator,
registered brands and kinds. Writes OUT/{marks.csv,titles.csv,title_labels.csv} with a
`source` column added (`simple_icons`, `chinese_marks` or the negative's kind).
"""
import argparse
import csv
import json
import pathlib
import random
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "dataset"))
import make_dataset  # noqa: E402

REGISTERED, DISTRACTORS = make_dataset.REGISTERED, make_dataset.DISTRACTOR_LOGOS


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--npm", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    package = pathlib.Path(args.npm) / "node_modules" / "simple-icons"
    icons = json.loads((package / "data" / "simple-icons.json").read_text())
    icons = [i for i in icons if (package / "icons" / f"{i['slug']}.svg").exists()]
    icons.sort(key=lambda i: i["slug"])
    rng = random.Random(args.seed)
    rng.shuffle(icons)
    registered = {i["slug"] for i in icons[:REGISTERED]}
    make_dataset.make_titles(rng, icons, registered, out)
    with open(out / "title_labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(out / "title_labels.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["title", "expected", "kind", "source"])
        for r in rows:
            source = ("chinese_marks" if r["expected"].startswith("wm-cn-") else "simple_icons") \
                if r["expected"] else r["kind"]
            w.writerow([r["title"], r["expected"], r["kind"], source])


if __name__ == "__main__":
    main()
