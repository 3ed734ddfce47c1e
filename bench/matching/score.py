#!/usr/bin/env python3
"""Scores `takedown eval images` predictions on the held-out set (make_heldout.py).

    python3 bench/matching/score.py OUT NAME=PREDICTIONS.csv [NAME=PREDICTIONS.csv ...]

For each run (e.g. `before` without the specificity check, `after` with it), per split:
  - recall: share of copies whose own mark is among the rights matched (at the operating
    threshold: every row the CLI wrote);
  - wrong mark: share of matched copies whose best-scored right is not their mark;
  - other marks: share of matched copies with any matched right that is not their mark;
  - flagged: share of distractors (images showing no registered mark) with any match;
each with a Wilson 95 % interval, per family (near / hard / scene), per transform and per
source. Then recall at <= 1 % flagged: the score threshold is chosen on the FIT split (the
lowest threshold whose fit-split flagged share is <= 1 %) and applied unchanged to the
held-out split.
"""
import collections
import csv
import math
import pathlib
import sys


def wilson(k, n, z=1.96):
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))


def fmt(k, n):
    if n == 0:
        return "–"
    lo, hi = wilson(k, n)
    return f"{k / n:.3f} [{lo:.3f}, {hi:.3f}] ({k}/{n})"


def load(out, pred):
    labels = {r["query_file"]: r for r in csv.DictReader(open(out / "labels.csv"))}
    hits = collections.defaultdict(list)
    for r in csv.DictReader(open(pred)):
        if r["right_id"]:
            hits[r["query_file"]].append((float(r["score"]), r["right_id"]))
    return labels, hits


def outcome(label, hits, threshold=0.0):
    kept = sorted(((s, r) for s, r in hits if s >= threshold), reverse=True)
    if label["expected"]:
        found = any(r == label["expected"] for _, r in kept)
        wrong = bool(kept) and kept[0][1] != label["expected"]
        other = any(r != label["expected"] for _, r in kept)
        return found, bool(kept), (wrong, other)
    return None, bool(kept), (False, False)


def table(rows, runs, key, split, kind):
    """rows: labels; kind: 'recall' | 'flagged' | 'wrong' | 'other'."""
    groups = sorted({key(l) for l in rows})
    lines = [f"| {split} | " + " | ".join(runs) + " |", "|---|" + "---|" * len(runs)]
    for g in groups:
        cells = []
        for name in runs:
            labels, hits = runs[name]
            sel = [l for l in labels.values() if l["split"] == split and key(l) == g
                   and (bool(l["expected"]) == (kind != "flagged"))]
            k = n = 0
            for l in sel:
                found, matched, wrong = outcome(l, hits.get(l["query_file"], []))
                if kind == "recall":
                    n += 1; k += found
                elif kind == "flagged":
                    n += 1; k += matched
                elif matched:
                    n += 1; k += wrong[0] if kind == "wrong" else wrong[1]
            cells.append(fmt(k, n))
        if any(c != "–" for c in cells):
            lines.append(f"| {g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def threshold_at(labels, hits, split, fpr=0.01):
    """Lowest score threshold whose flagged share of `split`'s distractors is <= fpr."""
    negatives = [l for l in labels.values() if l["split"] == split and not l["expected"]]
    best = [max((s for s, _ in hits.get(l["query_file"], [])), default=-1.0) for l in negatives]
    allowed = math.floor(fpr * len(negatives))
    scores = sorted((b for b in best if b >= 0), reverse=True)
    if len(scores) <= allowed:
        return 0.0
    # Strictly above the (allowed+1)-th highest distractor score.
    return math.nextafter(scores[allowed], math.inf)


def main():
    out = pathlib.Path(sys.argv[1])
    runs = {}
    for arg in sys.argv[2:]:
        name, path = arg.split("=", 1)
        runs[name] = load(out, path)
    labels = next(iter(runs.values()))[0]
    rows = list(labels.values())
    print(f"# Held-out image matching: {', '.join(runs)}\n")
    n_marks = len({l['expected'] for l in rows if l['expected']})
    print(f"{len(rows)} queries: {sum(1 for l in rows if l['expected'])} copies of {n_marks} "
          f"marks, {sum(1 for l in rows if not l['expected'])} distractors. Cells: share "
          "[Wilson 95 %] (count/total).\n")
    for split in ["heldout", "fit"]:
        print(f"## Split `{split}`\n")
        print("### Recall by family (copies whose mark is matched)\n")
        print(table(rows, runs, lambda l: l["family"], split, "recall") + "\n")
        print("### Flagged: distractors with any match (expected false-positive rate)\n")
        print(table(rows, runs, lambda l: "all distractors", split, "flagged"))
        print(table(rows, runs, lambda l: l["transform"], split, "flagged").split("\n", 2)[2] + "\n")
        print("### Wrong mark: matched copies whose best right is not theirs\n")
        print(table(rows, runs, lambda l: l["family"], split, "wrong") + "\n")
        print("### Other marks: matched copies with any right matched that is not theirs "
              "(a notice to a wrong owner)\n")
        print(table(rows, runs, lambda l: l["family"], split, "other") + "\n")
        print("### Recall by transform\n")
        print(table(rows, runs, lambda l: f"{l['family']}/{l['transform']}", split, "recall") + "\n")
        print("### Recall by source of the mark\n")
        print(table(rows, runs, lambda l: l["source"], split, "recall") + "\n")
        print("### Flagged by source of the distractor\n")
        print(table(rows, runs, lambda l: l["source"], split, "flagged") + "\n")
    print("## Recall at <= 1 % flagged (threshold chosen on `fit`, applied to `heldout`)\n")
    print("| run | score threshold | family | recall (heldout) | flagged (heldout) |")
    print("|---|---|---|---|---|")
    for name, (lab, hits) in runs.items():
        t = threshold_at(lab, hits, "fit")
        negatives = [l for l in lab.values() if l["split"] == "heldout" and not l["expected"]]
        flagged = sum(outcome(l, hits.get(l["query_file"], []), t)[1] for l in negatives)
        for family in ["near", "hard", "scene"]:
            sel = [l for l in lab.values() if l["split"] == "heldout" and l["family"] == family]
            k = sum(outcome(l, hits.get(l["query_file"], []), t)[0] for l in sel)
            print(f"| {name} | {t:.4f} | {family} | {fmt(k, len(sel))} | "
                  f"{fmt(flagged, len(negatives))} |")
    print()


if __name__ == "__main__":
    main()
