#!/usr/bin/env python3
"""Checks a WARC written by takedown-evidence with warcio, the reference Python reader.

Usage: python3 shared/evidence/bench/warc_check.py [FILE]   (default: testdata/sample.warc)
Needs `pip install warcio`. Not part of the Rust tests on purpose: they must not need Python.
Prints each record's type, id and target, verifies block and payload digests with warcio's
own checker, and exits non-zero on any problem.
"""
import io
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent.parent / "testdata" / "sample.warc"
data = path.read_bytes()
problems = []
count = 0
for record in ArchiveIterator(io.BytesIO(data), check_digests=True):
    count += 1
    body = record.content_stream().read()  # reading to the end runs the digest check
    print(record.rec_type, record.rec_headers.get_header("WARC-Record-ID"),
          record.rec_headers.get_header("WARC-Target-URI"),
          "http=%r" % (record.http_headers.statusline if record.http_headers else "-"),
          "payload=%d bytes" % len(body))
    problems.extend(getattr(record, "digest_checker", None) and record.digest_checker.problems or [])
print("%d records, %d digest problems" % (count, len(problems)))
for p in problems:
    print("  problem:", p)
sys.exit(1 if problems or count == 0 else 0)
