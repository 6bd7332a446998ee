"""Image files for the photo tests: the small JPEGs in tests/data/, and files made on the fly
(other formats, damaged files, decompression bombs, a large noisy JPEG)."""

from __future__ import annotations

import hashlib
import io
import os
import random
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageChops

DATA = Path(__file__).parent / "data"
CRATE_JPG = DATA / "crate.jpg"  # 64x48, red left half, blue right half
ROTATED_JPG = DATA / "seal_rotated.jpg"  # stored 60x40 with EXIF orientation 6: shown 40x60


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encoded(fmt: str, size=(32, 24), color=(10, 120, 30), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt, **options)
    return out.getvalue()


def noisy_jpeg(side: int, seed: int = 7) -> bytes:
    """A JPEG of noise: it barely compresses, so side=3600 is over 50 MB."""
    rng = random.Random(seed)
    raw = rng.randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), raw).save(out, "JPEG", quality=100, subsampling=0)
    return out.getvalue()


def camera_jpeg(megabytes: float, seed: int = 7) -> bytes:
    """A JPEG like a phone camera's: a 4:3 scene (gradients) with sensor noise, at quality 95,
    about `megabytes` MB (0.1 to 8, the sizes phones take). Same seed, same bytes."""
    rng = random.Random(seed)
    pixels = megabytes * 1_000_000 / 0.75  # such images take about 0.75 bytes per pixel
    width = int((pixels * 4 / 3) ** 0.5)
    size = (width, width * 3 // 4)
    scene = Image.linear_gradient("L").resize(size)
    bands = []
    for shift in (0, 40, 90):
        noise = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
        bands.append(ImageChops.add(ImageChops.multiply(noise, Image.new("L", size, 90)),
                                    scene, 1, -shift))
    out = io.BytesIO()
    Image.merge("RGB", bands).save(out, "JPEG", quality=95)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a bomb's calling card)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(
        b"IEND", b"")


def png_bomb() -> bytes:
    """A real 8000x8000 PNG (64 megapixels) of a single colour: a few kB on disk."""
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, "PNG", optimize=True)
    return out.getvalue()


def animated_webp() -> bytes:
    frames = [Image.new("RGB", (16, 16), c) for c in ((255, 0, 0), (0, 255, 0))]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def random_bytes(n: int) -> bytes:
    return os.urandom(n)
