#!/usr/bin/env python3
"""FAISS peers for takedown-matching's index benchmark (run by `benches/index.rs`).

Reads DIR/hashes.bin (N x 32 bytes), DIR/queries.bin (Q x 32 bytes) and
DIR/mih_results.txt (the ids our MihIndex found per query, sorted), then times
IndexBinaryFlat and IndexBinaryMultiHash(256 bits, 16 tables, 16 bits, nflip=1 so that
radius 31 is exact by pigeonhole) on one thread with range_search, and checks that their
results are identical to ours. FAISS's binary range_search keeps distances < radius, so
radius 31 inclusive is asked as 32. Each index reports wall time and the thread's CPU time
per query, as the Rust side does.

    python3 bench/index/faiss_peer.py target/bench-index [--linear 100]
"""
import pathlib
import sys
import time

import faiss
import numpy as np

RADIUS = 31


def report(name, times):
    times = np.sort(np.asarray(times))
    n = len(times)
    p50 = times[int(round((n - 1) * 0.5))]
    p99 = times[int(round((n - 1) * 0.99))]
    print(f"{name:<28} queries={n:<6} qps={n / times.sum():>10.1f} "
          f"p50={p50 * 1e6:>9.1f}us p99={p99 * 1e6:>9.1f}us", flush=True)


def run(index, name, queries, expected):
    times = []
    cpu_times = []
    mismatches = 0
    for i, q in enumerate(queries):
        t, cpu = time.perf_counter(), time.thread_time()
        lims, _dist, ids = index.range_search(q[None, :], RADIUS + 1)
        times.append(time.perf_counter() - t)
        cpu_times.append(time.thread_time() - cpu)
        if sorted(ids[lims[0]:lims[1]].tolist()) != expected[i]:
            mismatches += 1
    report(name, times)
    # CPU time of this thread (FAISS runs the search on it with one OpenMP thread): on a
    # shared machine wall time also counts time spent descheduled.
    report("  same, thread CPU time", cpu_times)
    print(f"  identical to MihIndex on {len(queries) - mismatches}/{len(queries)} queries",
          flush=True)


def main():
    folder = pathlib.Path(sys.argv[1])
    linear = int(sys.argv[sys.argv.index("--linear") + 1]) if "--linear" in sys.argv else 100
    faiss.omp_set_num_threads(1)
    xb = np.fromfile(folder / "hashes.bin", dtype=np.uint8).reshape(-1, 32)
    xq = np.fromfile(folder / "queries.bin", dtype=np.uint8).reshape(-1, 32)
    expected = [[int(v) for v in line.split()]
                for line in (folder / "mih_results.txt").read_text().splitlines()]
    print(f"faiss {faiss.__version__}, one thread, {len(xb)} hashes", flush=True)

    flat = faiss.IndexBinaryFlat(256)
    flat.add(xb)
    run(flat, "faiss IndexBinaryFlat", xq[:linear], expected)
    del flat

    t = time.perf_counter()
    mih = faiss.IndexBinaryMultiHash(256, 16, 16)
    mih.nflip = 1
    mih.add(xb)
    print(f"faiss IndexBinaryMultiHash build: {time.perf_counter() - t:.2f}s", flush=True)
    run(mih, "faiss IndexBinaryMultiHash", xq, expected)


if __name__ == "__main__":
    main()
