#!/usr/bin/env python3
"""Deletes superseded executables in a cargo `deps` directory.

Cargo names test and binary executables `NAME-HASH`; when a crate's inputs change it writes a
new hash and leaves the old file. For each NAME this keeps the newest three executables (a
package's binary, its unit tests and its library's unit tests share a NAME, and deleting a
live one only costs a relink) and removes the rest. Libraries (`lib*.rlib`, `*.rmeta`, `*.d`) are left alone: several may be live at
once (one per feature set).

Usage: prune_target.py DEPS_DIR
"""
import collections
import os
import re
import sys

KEEP = 3
EXECUTABLE = re.compile(r"^([A-Za-z0-9_]+)-([0-9a-f]{16})$")


def main(deps: str) -> None:
    groups = collections.defaultdict(list)
    for name in os.listdir(deps):
        path = os.path.join(deps, name)
        match = EXECUTABLE.match(name)
        if match and os.path.isfile(path) and os.access(path, os.X_OK):
            groups[match.group(1)].append((os.stat(path).st_mtime, path))
    freed = 0
    for versions in groups.values():
        versions.sort()
        for _, path in versions[:-KEEP]:
            freed += os.path.getsize(path)
            os.remove(path)
    print(f"prune_target: freed {freed / 1e9:.1f} GB in {deps}")


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: prune_target.py DEPS_DIR")
    main(sys.argv[1])
