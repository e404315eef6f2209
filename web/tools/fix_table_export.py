#!/usr/bin/env python3
"""Trunk post-build hook: repair table exports broken by old wasm-opt.

Debian's binaryen (wasm-opt 108) writes the export of wasm-bindgen's
`__wbindgen_externrefs` table with index 0 (the funcref table) instead of the
index of the externref table, and the page then fails with
"WebAssembly.Table.set(): Argument 1 is invalid for table". This rewrites that
one export index in place; modules that are already right are left untouched.
"""
import glob
import os
import sys

EXTERNREF = 0x6F
TABLE_KIND = 1


def leb(buf, i):
    result = shift = 0
    while True:
        byte = buf[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, i


def sections(buf):
    i = 8
    while i < len(buf):
        sid = buf[i]
        size, start = leb(buf, i + 1)
        yield sid, start, size
        i = start + size


def fix(path):
    buf = bytearray(open(path, "rb").read())
    imported_tables = 0
    table_types = []
    export_fix = None
    for sid, start, _ in sections(buf):
        if sid == 2:  # imports: count imported tables, they come first in the index space
            count, j = leb(buf, start)
            for _ in range(count):
                for _ in range(2):
                    n, j = leb(buf, j)
                    j += n
                kind = buf[j]
                j += 1
                if kind == 0:
                    _, j = leb(buf, j)
                elif kind == 1:
                    imported_tables += 1
                    j += 1
                    flags = buf[j]
                    _, j = leb(buf, j + 1)
                    if flags & 1:
                        _, j = leb(buf, j)
                elif kind == 2:
                    flags = buf[j]
                    _, j = leb(buf, j + 1)
                    if flags & 1:
                        _, j = leb(buf, j)
                else:
                    j += 2
        elif sid == 4:  # tables
            count, j = leb(buf, start)
            for _ in range(count):
                table_types.append(buf[j])
                flags = buf[j + 1]
                _, j = leb(buf, j + 2)
                if flags & 1:
                    _, j = leb(buf, j)
        elif sid == 7:  # exports
            count, j = leb(buf, start)
            for _ in range(count):
                n, j = leb(buf, j)
                name = bytes(buf[j : j + n])
                j += n
                kind = buf[j]
                index, after = leb(buf, j + 1)
                if kind == TABLE_KIND and name == b"__wbindgen_externrefs":
                    export_fix = (j + 1, after, index)
                j = after
    if export_fix is None:
        return False
    pos, after, index = export_fix
    want = [imported_tables + k for k, t in enumerate(table_types) if t == EXTERNREF]
    if not want or index in want or after - pos != 1 or want[0] > 0x7F:
        return False
    buf[pos] = want[0]
    open(path, "wb").write(buf)
    return True


def main():
    stage = os.environ.get("TRUNK_STAGING_DIR") or (sys.argv[1] if len(sys.argv) > 1 else "dist")
    for path in glob.glob(os.path.join(stage, "*_bg.wasm")):
        if fix(path):
            print(f"fix_table_export: repaired __wbindgen_externrefs export in {path}")


if __name__ == "__main__":
    main()
