#!/usr/bin/env python3
"""Image-hashing peers for takedown-matching's benchmark (run by `benches/index.rs`).

Hashes DIR/images/*.png with Python ImageHash `phash` and PyPI `pdqhash` (Meta's C++),
timing decode+hash like ours, and checks our PDQ hashes (DIR/images/rust_pdq.txt, in file
order) for bit-equality with pdqhash.

    python3 bench/hash_peer.py target/bench-index
"""
import pathlib
import sys
import time

import imagehash
import numpy as np
import pdqhash
from PIL import Image


def rate(name, files, fn):
    # Median of three passes: the machine is shared, so single passes are noisy.
    passes = []
    for _ in range(3):
        t = time.perf_counter()
        out = [fn(f) for f in files]
        passes.append(time.perf_counter() - t)
    s = sorted(passes)[1]
    print(f"{name:<44} {len(files) / s:>8.1f} images/s", flush=True)
    return out


def pdq_hex(path):
    rgb = np.asarray(Image.open(path).convert("RGB"))
    vector, quality = pdqhash.compute(rgb)
    return np.packbits(vector.astype(np.uint8)).tobytes().hex(), quality


def main():
    folder = pathlib.Path(sys.argv[1]) / "images"
    files = sorted(folder.glob("*.png"))
    rate("peer decode only (Pillow, RGB)", files,
         lambda f: np.asarray(Image.open(f).convert("RGB")))
    rate("peer ImageHash phash (decode+hash)", files, lambda f: imagehash.phash(Image.open(f)))
    ours = [line.split() for line in (folder / "rust_pdq.txt").read_text().splitlines()]
    theirs = rate("peer pdqhash compute (decode+hash)", files, pdq_hex)
    arrays = [np.asarray(Image.open(f).convert("RGB")) for f in files]
    rate("peer pdqhash compute (hash only)", arrays, lambda a: pdqhash.compute(a))
    same = sum(1 for (h, q), (rh, rq) in zip(theirs, ours) if h == rh and str(q) == rq)
    print(f"  our PDQ identical (hash and quality) to pdqhash on {same}/{len(files)} images",
          flush=True)


if __name__ == "__main__":
    main()
