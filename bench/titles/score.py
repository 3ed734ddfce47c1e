#!/usr/bin/env python3
"""Precision and recall of `takedown eval titles` predictions, per variant kind and per
source, with Wilson 95 % intervals, as Markdown.

    python3 bench/titles/score.py SPLIT_DIR [NAME]

Reads SPLIT_DIR/title_labels.csv (title,expected,kind[,source]) and
SPLIT_DIR/predictions.csv (title,right_id,score). A positive title is found when its right
is among the predicted rows; every other predicted right is a wrong one (on a negative
title it flags an innocent listing, on a positive it names another right). Precision is
found / (found + wrong); a negative kind's line gives the share of its titles flagged.
"""
import collections
import csv
import math
import pathlib
import sys

Z = 1.959964


def wilson(k, n):
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def fmt(k, n):
    if n == 0:
        return "—"
    lo, hi = wilson(k, n)
    return f"{k / n:.3f} [{lo:.3f}, {hi:.3f}]"


def main():
    d = pathlib.Path(sys.argv[1])
    name = sys.argv[2] if len(sys.argv) > 2 else d.name
    predicted = collections.defaultdict(set)
    with open(d / "predictions.csv", newline="") as f:
        for row in csv.DictReader(f):
            predicted[row["title"]]
            if row["right_id"]:
                predicted[row["title"]].add(row["right_id"])
    with open(d / "title_labels.csv", newline="") as f:
        labels = list(csv.DictReader(f))

    def tally(rows):
        found = wrong = pos = neg = flagged = 0
        for r in rows:
            got = predicted.get(r["title"], set())
            if r["expected"]:
                pos += 1
                found += r["expected"] in got
                wrong += len(got - {r["expected"]})
            else:
                neg += 1
                wrong += len(got)
                flagged += bool(got)
        return found, wrong, pos, neg, flagged

    out = [f"### {name}\n"]
    found, wrong, pos, neg, flagged = tally(labels)
    out.append(f"**Overall**: recall {fmt(found, pos)} ({found}/{pos}), precision "
               f"{fmt(found, found + wrong)} ({found} right, {wrong} wrong), negatives flagged "
               f"{fmt(flagged, neg)} ({flagged}/{neg}).\n")
    for key in ("kind", "source"):
        groups = collections.OrderedDict()
        for r in sorted(labels, key=lambda r: (not r["expected"], r.get(key, ""))):
            groups.setdefault((bool(r["expected"]), r.get(key, "")), []).append(r)
        out.append(f"\nPer {key}:\n")
        out.append(f"| {key} | titles | recall (positives) | precision | flagged (negatives) |")
        out.append("|---|---:|---|---|---|")
        for (positive, value), rows in groups.items():
            found, wrong, pos, neg, flagged = tally(rows)
            if positive:
                out.append(f"| {value} | {pos} | {fmt(found, pos)} | "
                           f"{fmt(found, found + wrong)} | |")
            else:
                out.append(f"| {value} (negative) | {neg} | | | {fmt(flagged, neg)} |")
    # Reliability: predicted rows binned by score, against the share of them that are right.
    truth = {r["title"]: r["expected"] for r in labels}
    scored = []
    with open(d / "predictions.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["right_id"] and row["title"] in truth:
                scored.append((float(row["score"]), row["right_id"] == truth[row["title"]]))
    out.append("\nScores against observed precision (every predicted row):\n")
    out.append("| score | rows | mean score | observed precision |")
    out.append("|---|---:|---:|---|")
    edges = [0.0, 0.6, 0.9, 0.95, 0.98, 0.99, 1.0001]
    for lo, hi in zip(edges, edges[1:]):
        rows = [(sc, t) for sc, t in scored if lo <= sc < hi]
        if rows:
            right = sum(t for _, t in rows)
            mean = sum(sc for sc, _ in rows) / len(rows)
            out.append(f"| {lo:.2f}–{min(hi, 1.0):.2f} | {len(rows)} | {mean:.3f} | "
                       f"{fmt(right, len(rows))} |")
    text = "\n".join(out) + "\n"
    print(text)
    misses = [r for r in labels if r["expected"]
              and r["expected"] not in predicted.get(r["title"], set())]
    false = [(r, sorted(predicted.get(r["title"], set()) - {r["expected"]})) for r in labels
             if predicted.get(r["title"], set()) - {r["expected"]}]
    with open(d / "errors.txt", "w") as f:
        for r in misses:
            f.write(f"MISS\t{r['kind']}\t{r['title']}\t{r['expected']}\n")
        for r, got in false:
            f.write(f"WRONG\t{r['kind']}\t{r['title']}\t{r['expected']}\t{' '.join(got)}\n")


if __name__ == "__main__":
    main()
