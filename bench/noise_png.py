#!/usr/bin/env python3
"""Writes a PNG of gradient plus noise to argv[1], argv[2] × argv[3] pixels (default
640 × 480, 680 KiB): the upload of the slow-client benchmark, standard library only."""

import random
import struct
import sys
import zlib

W, H = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (640, 480)
random.seed(7)
rows = bytearray()
for y in range(H):
    rows.append(0)  # filter: none
    noise = random.randbytes(W * 3)
    for x in range(W):
        base = (x * 255 // W, y * 255 // H, 128)
        for c in range(3):
            rows.append((base[c] & 0xF8) | (noise[x * 3 + c] & 0x07))


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
