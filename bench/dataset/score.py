#!/usr/bin/env python3
"""Precision and recall per transform from `takedown eval` predictions, as Markdown.

    python3 bench/dataset/score.py DATASET_DIR

Reads DATASET_DIR/{labels.csv,predictions-images.csv,title_labels.csv,
predictions-titles.csv} (written by make_dataset.py and `takedown eval`).

A query "finds" its right when the right is among its predicted rows. Any other predicted
right is a false positive: on a distractor (group `negative`) it flags an image that shows no
registered logo; on a copy it names the wrong right. Recall is per transform; precision is
found / (found + wrong rights), per group; the flagged rate is the share of distractor
queries with at least one prediction.
"""
import collections
import csv
import pathlib
import sys


def predictions(path, key):
    out = collections.defaultdict(set)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            out[row[key]]  # a query with no match still appears
            if row["right_id"]:
                out[row[key]].add(row["right_id"])
    return out


def table(rows, label_key, query_key, predicted, title):
    by_kind = collections.OrderedDict()
    for row in rows:
        by_kind.setdefault((row.get("group", ""), row[label_key]), []).append(row)
    print(f"\n### {title}\n")
    print("| group | transform | queries | found | recall | wrong rights | flagged (distractors) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    groups = collections.defaultdict(lambda: [0, 0, 0, 0])  # n, found, wrong, flagged
    for (group, kind), items in by_kind.items():
        n = len(items)
        found = wrong = flagged = 0
        for row in items:
            got = predicted.get(row[query_key], set())
            expected = row["expected"]
            if expected:
                found += expected in got
                wrong += len(got - {expected})
            else:
                wrong += len(got)
                flagged += bool(got)
        g = groups[group or "all"]
        g[0] += n
        g[1] += found
        g[2] += wrong
        g[3] += flagged
        if any(r["expected"] for r in items):
            print(f"| {group} | {kind} | {n} | {found} | {found / n:.3f} | {wrong} | |")
        else:
            print(f"| {group} | {kind} | {n} | | | {wrong} | {flagged}/{n} = {flagged / n:.3f} |")
    print("\n| group | queries | recall | precision |")
    print("|---|---:|---:|---:|")
    for group, (n, found, wrong, flagged) in groups.items():
        if group == "negative":
            print(f"| {group} | {n} | — | flagged {flagged}/{n} = {flagged / n:.3f} |")
        else:
            precision = found / (found + wrong) if found + wrong else 1.0
            print(f"| {group} | {n} | {found / n:.3f} | {precision:.3f} |")
    return groups


def main():
    d = pathlib.Path(sys.argv[1])
    with open(d / "labels.csv", newline="") as f:
        labels = list(csv.DictReader(f))
    table(labels, "transform", "query_file",
          predictions(d / "predictions-images.csv", "query_file"), "Images")

    with open(d / "title_labels.csv", newline="") as f:
        titles = list(csv.DictReader(f))
    for t in titles:
        t["group"] = "positive" if t["expected"] else "negative"
    predicted = predictions(d / "predictions-titles.csv", "title")
    table(titles, "kind", "title", predicted, "Titles")
    found = sum(t["expected"] in predicted.get(t["title"], set()) for t in titles if t["expected"])
    positives = sum(1 for t in titles if t["expected"])
    wrong = sum(len(predicted.get(t["title"], set()) - {t["expected"]}) for t in titles)
    print(f"\nWord marks overall: recall {found / positives:.3f} ({found}/{positives}), "
          f"precision {found / max(1, found + wrong):.3f} ({found} right, {wrong} wrong).")


if __name__ == "__main__":
    main()
