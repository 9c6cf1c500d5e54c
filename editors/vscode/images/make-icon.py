#!/usr/bin/env python3
"""Draws images/icon.png (128x128): a six-armed flake on a dark rounded square. Stdlib only.

Run from editors/vscode: python3 images/make-icon.py
"""
import math
import struct
import zlib

SIZE, SS = 128, 4  # output size and supersampling factor
BG, FG, ACCENT = (31, 42, 68), (126, 186, 228), (82, 119, 195)


def seg_dist(px, py, ax, ay, bx, by):
    """Distance from point p to segment ab."""
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def shapes():
    """Line segments (x0, y0, x1, y1, half-width, colour) of the flake, in 0..1 units."""
    out = []
    for k in range(6):
        a = math.radians(90 + 60 * k)
        ux, uy = math.cos(a), -math.sin(a)
        cx, cy = 0.5 + 0.10 * ux, 0.5 + 0.10 * uy
        ex, ey = 0.5 + 0.38 * ux, 0.5 + 0.38 * uy
        out.append((cx, cy, ex, ey, 0.035, FG))
        for s in (-1, 1):
            b = a + s * math.radians(45)
            mx, my = 0.5 + 0.26 * ux, 0.5 + 0.26 * uy
            out.append((mx, my, mx + 0.11 * math.cos(b), my - 0.11 * math.sin(b), 0.025, ACCENT))
    return out


def inside_rounded_square(x, y, r=0.18):
    """True when (x, y) is inside the rounded background square."""
    qx, qy = max(abs(x - 0.5) - (0.5 - r), 0.0), max(abs(y - 0.5) - (0.5 - r), 0.0)
    return math.hypot(qx, qy) <= r


def pixel(x, y, segs):
    """Colour and alpha of one supersample."""
    if not inside_rounded_square(x, y):
        return (0, 0, 0, 0)
    for (ax, ay, bx, by, w, col) in segs:
        if seg_dist(x, y, ax, ay, bx, by) <= w:
            return (*col, 255)
    if math.hypot(x - 0.5, y - 0.5) <= 0.06:
        return (*FG, 255)
    return (*BG, 255)


def main():
    segs = shapes()
    rows = []
    n = SIZE * SS
    for j in range(SIZE):
        row = bytearray([0])
        for i in range(SIZE):
            acc = [0, 0, 0, 0]
            for sj in range(SS):
                for si in range(SS):
                    r, g, b, a = pixel((i * SS + si + 0.5) / n, (j * SS + sj + 0.5) / n, segs)
                    acc = [acc[0] + r * a, acc[1] + g * a, acc[2] + b * a, acc[3] + a]
            alpha = acc[3] / (SS * SS)
            rgb = [round(c / acc[3]) if acc[3] else 0 for c in acc[:3]]
            row += bytes(rgb + [round(alpha)])
        rows.append(bytes(row))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
    with open("images/icon.png", "wb") as f:
        f.write(png)


if __name__ == "__main__":
    main()
