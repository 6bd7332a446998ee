"""Is this file a photo we keep? JPEG, PNG or WebP, one frame, within a pixel limit; and its
thumbnail, turned upright. Paths in, facts out: no database, no Flask.

The pixel limit is checked from the header, before anything is decoded, so a decompression
bomb costs a few hundred bytes of reading. Only the three formats' parsers ever see the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from server.errors import AppError

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
FORMATS = tuple(CONTENT_TYPES)
TURNED = {5, 6, 7, 8}  # EXIF orientations that swap width and height


@dataclass(frozen=True)
class ImageLimits:
    max_pixels: int = 40_000_000
    thumbnail_size: int = 320


@dataclass(frozen=True)
class ImageInfo:
    content_type: str
    width: int  # as displayed, EXIF orientation applied
    height: int


class PhotoRefused(AppError):
    """The finished file is not a photo we keep; the upload ends."""

    status, code = 422, "photos.refused"


class NotAnImage(PhotoRefused):
    status, code = 415, "photos.not_an_image"


class TooManyPixels(PhotoRefused):
    status, code = 422, "photos.too_many_pixels"


class CorruptImage(PhotoRefused):
    status, code = 422, "photos.corrupt_image"


def check_image(path: Path, limits: ImageLimits) -> ImageInfo:
    """Identify, bound, verify and decode the image at ``path``; refuse anything else
    clearly."""
    try:
        with Image.open(path, formats=FORMATS) as img:
            width, height = img.size
            fmt = img.format
            if width * height > limits.max_pixels:
                raise TooManyPixels(
                    f"The image is {width}x{height} pixels; at most {limits.max_pixels:,} "
                    "pixels are accepted.", width=width, height=height,
                    max_pixels=limits.max_pixels)
            if getattr(img, "n_frames", 1) != 1:
                raise NotAnImage("Animated images are not accepted as photos.")
            orientation = img.getexif().get(ExifTags.Base.Orientation, 1)
        with Image.open(path, formats=FORMATS) as img:
            img.verify()  # structure and checksums, where the format has them
        with Image.open(path, formats=FORMATS) as img:
            # and all of its data decodes (a truncated or damaged JPEG fails here): a JPEG at
            # 1/8 scale, which reads every byte but does an eighth of the work
            img.draft(img.mode, (max(1, width // 8), max(1, height // 8)))
            img.load()
    except PhotoRefused:
        raise
    except UnidentifiedImageError:
        raise NotAnImage("The file is not a JPEG, PNG or WebP image.",
                         allowed=list(CONTENT_TYPES.values())) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TooManyPixels("The image has too many pixels (a decompression bomb).",
                            max_pixels=limits.max_pixels) from None
    except Exception as exc:  # Pillow reports damage with many exception types
        raise CorruptImage(f"The image is damaged: {exc}.") from None
    if orientation in TURNED:
        width, height = height, width
    return ImageInfo(content_type=CONTENT_TYPES[fmt], width=width, height=height)


def write_thumbnail(path: Path, out: BinaryIO, limits: ImageLimits) -> None:
    """A JPEG at most thumbnail_size on its long side, upright as the camera held it, of a
    file check_image passed (one that fails to decode anyway is refused as damaged)."""
    size = (limits.thumbnail_size, limits.thumbnail_size)
    try:
        with Image.open(path, formats=FORMATS) as img:
            img.draft("RGB", size)  # JPEG decodes at 1/2..1/8 scale: small memory, fast
            upright = ImageOps.exif_transpose(img)
            upright.thumbnail(size)
            if upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            upright.save(out, "JPEG", quality=80)
    except Exception as exc:
        raise CorruptImage(f"The image is damaged: {exc}.") from None
