#!/usr/bin/env python3
"""Re-create assets/digits8x8.bin from scikit-learn's copy of the UCI 8x8 handwritten digits
(1,797 images, 17 grey levels 0..16; CC BY 4.0, Alpaydin & Kaynak 1998).

    pip download scikit-learn --no-deps -d /tmp/skl && python3 scripts/make-digits.py /tmp/skl/scikit_learn-*.whl

Format (read by src/digits.rs): b"DLDIGIT1", u32 LE image count, u8 width (8), u8 height (8),
u8 grey levels (17), u8 0, then per image 64 pixel bytes (row-major, 0..16) and 1 label byte (0..9).
"""
import gzip, struct, sys, zipfile

wheel = sys.argv[1]
raw = gzip.decompress(zipfile.ZipFile(wheel).read("sklearn/datasets/data/digits.csv.gz")).decode()
rows = [[int(float(v)) for v in line.split(",")] for line in raw.strip().split("\n")]
out = bytearray(b"DLDIGIT1" + struct.pack("<IBBBB", len(rows), 8, 8, 17, 0))
for r in rows:
    out += bytes(r[:64]) + bytes([r[64]])
open("assets/digits8x8.bin", "wb").write(out)
print(f"wrote {len(rows)} images, {len(out)} bytes")
