#!/usr/bin/env python3
"""Image-hashing peers for takedown-matching's benchmark (run by `benches/index.rs`).

For each image set the bench wrote (DIR/images: PNG 640x480; DIR/images-jpeg640: the same
pictures as JPEG; DIR/images-jpeg1600: listing-size JPEG photos), times Pillow decoding and
Python ImageHash `phash` (decode + hash) on one core, and ImageHash on two processes beside
our two-thread rows. On the PNG set it also times PyPI `pdqhash` (Meta's C++) and checks our
PDQ hashes (DIR/images/rust_pdq.txt, in file order) for bit-equality with it.

Files are read into memory first, as the bench does for ours: both sides time decoding and
hashing, not the disk.

    python3 bench/index/hash_peer.py target/bench-index
"""
import io
import multiprocessing
import pathlib
import sys
import time

import imagehash
import numpy as np
import pdqhash
from PIL import Image

SETS = [
    ("images", "*.png", "PNG 640x480"),
    ("images-jpeg640", "*.jpg", "JPEG q85 640x480"),
    ("images-jpeg1600", "*.jpg", "JPEG q85 1600x1200"),
]

# The set being timed on the worker processes; set before the pool forks, so each worker
# has the bytes without pickling them per task.
_SHARED = []


def rate(name, items, fn):
    # Median of three passes: the machine is shared, so single passes are noisy.
    passes = []
    for _ in range(3):
        t = time.perf_counter()
        out = [fn(item) for item in items]
        passes.append(time.perf_counter() - t)
    s = sorted(passes)[1]
    print(f"{name:<52} {len(items) / s:>8.1f} images/s", flush=True)
    return out


def open_image(data):
    return Image.open(io.BytesIO(data))


def phash_share(bounds):
    start, stop = bounds
    for data in _SHARED[start:stop]:
        imagehash.phash(open_image(data))
    return stop - start


def rate_processes(name, datas, processes):
    """ImageHash over `processes` worker processes, each hashing its share, median of three."""
    global _SHARED
    _SHARED = datas
    chunk = -(-len(datas) // processes)
    shares = [(i, min(i + chunk, len(datas))) for i in range(0, len(datas), chunk)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(processes) as pool:
        pool.map(phash_share, [(0, 1)] * processes)  # start the workers before timing
        passes = []
        for _ in range(3):
            t = time.perf_counter()
            done = sum(pool.map(phash_share, shares))
            passes.append(time.perf_counter() - t)
    s = sorted(passes)[1]
    print(f"{name:<52} {done / s:>8.1f} images/s", flush=True)


def pdq_hex(data):
    rgb = np.asarray(open_image(data).convert("RGB"))
    vector, quality = pdqhash.compute(rgb)
    return np.packbits(vector.astype(np.uint8)).tobytes().hex(), quality


def main():
    root = pathlib.Path(sys.argv[1])
    for folder, pattern, label in SETS:
        files = sorted((root / folder).glob(pattern))
        if not files:
            continue
        datas = [f.read_bytes() for f in files]
        print(f"peer images: {len(datas)} {label}, in {folder}/", flush=True)
        rate("peer decode only (Pillow, RGB)", datas,
             lambda d: np.asarray(open_image(d).convert("RGB")))
        rate("peer ImageHash phash (decode+hash)", datas,
             lambda d: imagehash.phash(open_image(d)))
        rate_processes("peer ImageHash phash, 2 processes", datas, 2)
        if folder != "images":
            continue
        ours = [line.split() for line in (root / folder / "rust_pdq.txt").read_text().splitlines()]
        theirs = rate("peer pdqhash compute (decode+hash)", datas, pdq_hex)
        arrays = [np.asarray(open_image(d).convert("RGB")) for d in datas]
        rate("peer pdqhash compute (hash only)", arrays, lambda a: pdqhash.compute(a))
        same = sum(1 for (h, q), (rh, rq) in zip(theirs, ours) if h == rh and str(q) == rq)
        print(f"  our PDQ identical (hash and quality) to pdqhash on {same}/{len(datas)} images",
              flush=True)


if __name__ == "__main__":
    main()
