#!/usr/bin/env python3
"""The example images of the shipped texture creatures, made here (no third-party images):
reaction-diffusion patterns (some coloured as zebra stripes and leopard rosettes), Voronoi
cells, bricks, weaves, waves, diamond tiles and camouflage, 128x128, each
tileable. Needs numpy. Usage: python3 tests/scripts/make_textures.py [OUT_DIR]
(default assets/textures). Deterministic: the same files every run."""
import struct
import sys
import zlib
from pathlib import Path

import numpy as np

N = 128


def png(path, rgb):
    """Writes an RGB8 image (h, w, 3 floats in [0, 1]) as PNG with the standard library."""
    a = (np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)
    h, w, _ = a.shape
    raw = b"".join(b"\x00" + a[y].tobytes() for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    Path(path).write_bytes(data)


def palette(t, a, b):
    """Blends colour a (t = 0) to colour b (t = 1)."""
    t = np.clip(t, 0, 1)[..., None]
    return np.array(a) * (1 - t) + np.array(b) * t


def lap(z, ax=1.0, ay=1.0):
    return ax * (np.roll(z, 1, 1) + np.roll(z, -1, 1) - 2 * z) + ay * (np.roll(z, 1, 0) + np.roll(z, -1, 0) - 2 * z)


def gray_scott(f, k, steps, seed, ax=1.0, ay=1.0):
    """The Gray-Scott reaction-diffusion model on a torus (Pearson's parameters). ax and ay scale
    diffusion along x and y: unequal, they align the pattern into stripes."""
    rng = np.random.default_rng(seed)
    u, v = np.ones((N, N)), np.zeros((N, N))
    for _ in range(24):
        y, x = rng.integers(0, N, 2)
        u[y - 3:y + 3, x - 3:x + 3], v[y - 3:y + 3, x - 3:x + 3] = 0.5, 0.25
    for _ in range(steps):
        uvv = u * v * v
        u += 0.16 * lap(u, ax, ay) - uvv + f * (1 - u)
        v += 0.08 * lap(v, ax, ay) + uvv - (f + k) * v
    return (v - v.min()) / (v.max() - v.min() + 1e-9)


def torus_dist(py, px, y, x):
    dy = np.abs(py - y)
    dx = np.abs(px - x)
    return np.sqrt(np.minimum(dy, N - dy) ** 2 + np.minimum(dx, N - dx) ** 2)


def voronoi(seed, count=28):
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, N, (count, 2))
    cols = rng.uniform(0, 1, (count, 3)) * np.array([0.5, 0.7, 0.3]) + np.array([0.45, 0.25, 0.1])
    y, x = np.mgrid[0:N, 0:N].astype(float)
    d = np.stack([torus_dist(p[0], p[1], y, x) for p in pts])
    order = np.sort(d, axis=0)
    nearest = np.argmin(d, axis=0)
    edge = np.clip((order[1] - order[0]) / 2.5, 0, 1)[..., None]
    return cols[nearest] * edge + np.array([0.15, 0.1, 0.05]) * (1 - edge)


def bricks(seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:N, 0:N]
    row = y // 16
    xs = (x + (row % 2) * 16) % N
    col = xs // 32
    mortar = ((y % 16) < 2) | ((xs % 32) < 2)
    shade = rng.uniform(0.75, 1.1, (N // 16, N // 32 + 1))[row, col]
    brick = np.array([0.62, 0.24, 0.16])[None, None, :] * shade[..., None]
    return np.where(mortar[..., None], np.array([0.82, 0.8, 0.74]), brick)


def weave():
    y, x = np.mgrid[0:N, 0:N]
    cell = ((y // 16) + (x // 16)) % 2
    t = np.where(cell == 0, np.sin((y % 16) / 16 * np.pi), np.sin((x % 16) / 16 * np.pi))
    over = palette(t, [0.2, 0.3, 0.55], [0.55, 0.7, 0.95])
    under = palette(t, [0.55, 0.35, 0.15], [0.95, 0.8, 0.45])
    return np.where(cell[..., None] == 0, over, under)


def waves():
    y, x = np.mgrid[0:N, 0:N] / N * 2 * np.pi
    z = np.sin(4 * x + 2 * np.sin(2 * y)) * 0.5 + np.sin(3 * y + np.sin(5 * x)) * 0.5
    return palette(z * 0.5 + 0.5, [0.05, 0.2, 0.35], [0.6, 0.95, 0.9])


def tiles():
    # Diamond tiles: the cells of a lattice whose rows are shifted by half a period.
    y, x = np.mgrid[0:N, 0:N].astype(float)
    best = np.full((N, N), 1e9)
    second = np.full((N, N), 1e9)
    for cy in range(0, N, 16):
        for cx in range(0, N, 32):
            ox = cx + (16 if (cy // 16) % 2 else 0)
            d = torus_dist(cy, ox, y, x)
            second = np.where(d < best, best, np.minimum(second, d))
            best = np.minimum(best, d)
    edge = np.clip((second - best) / 2.0, 0, 1)
    return palette(edge, [0.35, 0.2, 0.02], [1.0, 0.78, 0.2]) * (0.75 + 0.25 * (1 - best / 18))[..., None]


def leopard(seed):
    """Gray-Scott spots coloured as rosettes: a dark ring round an orange core on tan."""
    v = gray_scott(0.035, 0.065, 6000, seed)
    ring = np.exp(-(((v - 0.55) / 0.18) ** 2))
    core = np.clip((v - 0.75) / 0.2, 0, 1)
    img = palette(ring, [0.85, 0.65, 0.3], [0.12, 0.08, 0.05])
    return palette(core, [0, 0, 0], [1, 1, 1]) * np.array([0.75, 0.45, 0.15]) + img * (1 - core[..., None])


def periodic_noise(seed, waves=40):
    """Smooth tileable noise: a sum of cosines with whole wave numbers, red-ish spectrum, unit
    variance."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:N, 0:N] / N * 2 * np.pi
    z = np.zeros((N, N))
    for _ in range(waves):
        kx, ky = rng.integers(-5, 6, 2)
        if kx == 0 and ky == 0:
            continue
        z += rng.normal() / np.hypot(kx, ky) ** 1.3 * np.cos(kx * x + ky * y + rng.uniform(0, 2 * np.pi))
    return (z - z.mean()) / z.std()


def camouflage():
    """Woodland camouflage: two noise fields thresholded into four colours."""
    n1, n2 = periodic_noise(11), periodic_noise(12)
    img = np.ones((N, N, 3)) * np.array([0.55, 0.55, 0.35])
    img[n1 > 0.3] = [0.3, 0.38, 0.2]
    img[n2 > 0.5] = [0.45, 0.33, 0.2]
    img[n1 < -0.6] = [0.12, 0.12, 0.08]
    return img


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "assets/textures")
    out.mkdir(parents=True, exist_ok=True)
    png(out / "labyrinth.png", palette(gray_scott(0.029, 0.057, 6000, 1), [0.93, 0.9, 0.8], [0.1, 0.35, 0.3]))
    png(out / "spots.png", palette(gray_scott(0.035, 0.065, 6000, 2), [0.95, 0.75, 0.35], [0.25, 0.12, 0.05]))
    png(out / "cells.png", voronoi(7))
    png(out / "bricks.png", bricks(4))
    png(out / "weave.png", weave())
    png(out / "waves.png", waves())
    png(out / "tiles.png", tiles())
    png(out / "zebra.png", palette(gray_scott(0.029, 0.057, 6000, 5, 1.8, 0.3), [0.95, 0.93, 0.88], [0.08, 0.07, 0.07]))
    png(out / "leopard.png", leopard(6))
    png(out / "camouflage.png", camouflage())
    png(out / "bubbles.png", palette(gray_scott(0.039, 0.058, 6000, 8), [0.05, 0.25, 0.3], [0.75, 0.95, 0.9]))


if __name__ == "__main__":
    main()
