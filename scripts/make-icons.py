#!/usr/bin/env python3
"""Draws the shop's icons (a scored bread bun on the rose brand colour) into static/: favicon.svg, favicon.ico
(16, 32 and 48 px PNGs) and apple-touch-icon.png (180 px). Standard library only; run it after changing the design."""
import math
import struct
import zlib
from pathlib import Path

ROSE, CREAM, CRUST, COCOA = (0xC2, 0x18, 0x5B), (0xFF, 0xF8, 0xF0), (0xE8, 0xB8, 0x6D), (0x4E, 0x34, 0x2E)
STATIC = Path(__file__).resolve().parent.parent / "static"

SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" role="img" aria-label="KLeLite">
<rect width="64" height="64" rx="14" fill="#c2185b"/>
<ellipse cx="32" cy="35" rx="22" ry="15" fill="#e8b86d" stroke="#fff8f0" stroke-width="3"/>
<path d="M20 40 L28 28 M29 42 L37 29 M38 41 L45 31" stroke="#4e342e" stroke-width="3" stroke-linecap="round"/>
</svg>
"""


def color_at(x: float, y: float, rounded: bool) -> tuple[int, int, int, int]:
    """The design on a 64×64 canvas (same geometry as the SVG); iOS rounds its icons itself, so they stay square."""
    cx, cy = min(max(x, 14), 50), min(max(y, 14), 50)
    if rounded and (x - cx) ** 2 + (y - cy) ** 2 > 14 ** 2:
        return (0, 0, 0, 0)
    for (x1, y1, x2, y2) in ((20, 40, 28, 28), (29, 42, 37, 29), (38, 41, 45, 31)):
        dx, dy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
        if math.hypot(x - (x1 + t * dx), y - (y1 + t * dy)) <= 1.5:
            return (*COCOA, 255)
    ellipse = ((x - 32) / 22) ** 2 + ((y - 35) / 15) ** 2
    if ellipse <= 1.0:
        return (*CRUST, 255)
    outline = ((x - 32) / 23.5) ** 2 + ((y - 35) / 16.5) ** 2
    if outline <= 1.0:
        return (*CREAM, 255)
    return (*ROSE, 255)


def render(size: int, samples: int = 4, rounded: bool = True) -> bytes:
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            total = [0, 0, 0, 0]
            for sy in range(samples):
                for sx in range(samples):
                    x = (px + (sx + 0.5) / samples) * 64 / size
                    y = (py + (sy + 0.5) / samples) * 64 / size
                    r, g, b, a = color_at(x, y, rounded)
                    total[0] += r * a
                    total[1] += g * a
                    total[2] += b * a
                    total[3] += a
            alpha = total[3] / (samples * samples)
            rgb = [int(round(c / total[3])) if total[3] else 0 for c in total[:3]]
            row += bytes([*rgb, int(round(alpha))])
        rows.append(bytes(row))
    return png(size, b"".join(rows))


def png(size: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def ico(images: list[tuple[int, bytes]]) -> bytes:
    """An ICO file whose entries are PNGs (supported by every current browser)."""
    directory = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for size, data in images:
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset + len(blobs))
        blobs += data
    return directory + entries + blobs


if __name__ == "__main__":
    (STATIC / "favicon.svg").write_text(SVG)
    (STATIC / "favicon.ico").write_bytes(ico([(size, render(size)) for size in (16, 32, 48)]))
    (STATIC / "apple-touch-icon.png").write_bytes(render(180, samples=3, rounded=False))
    print("wrote favicon.svg, favicon.ico, apple-touch-icon.png in", STATIC)
