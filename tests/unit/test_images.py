"""Which files are photos we keep, and their thumbnails (sync/photos/images.py)."""

import io

import pytest
from PIL import Image

from sync.photos.images import (
    CorruptImage,
    ImageInfo,
    ImageLimits,
    NotAnImage,
    TooManyPixels,
    check_image,
    write_thumbnail,
)
from tests.imaging import (
    CRATE_JPG,
    ROTATED_JPG,
    animated_webp,
    encoded,
    noisy_jpeg,
    png_bomb,
    png_header_only,
    write,
)

LIMITS = ImageLimits(max_pixels=40_000_000, thumbnail_size=32)


@pytest.mark.parametrize(("data", "info"), [
    (CRATE_JPG.read_bytes(), ImageInfo("image/jpeg", 64, 48)),
    (ROTATED_JPG.read_bytes(), ImageInfo("image/jpeg", 40, 60)),
    (encoded("PNG", (30, 20)), ImageInfo("image/png", 30, 20)),
    (encoded("WEBP", (30, 20)), ImageInfo("image/webp", 30, 20)),
], ids=["jpeg", "jpeg turned by exif", "png", "webp"])
def test_allowed_images_are_identified(tmp_path, data, info):
    assert check_image(write(tmp_path, "x", data), LIMITS) == info


@pytest.mark.parametrize(("data", "error"), [
    (b"%PDF-1.4 not a photo", NotAnImage),
    (b"", NotAnImage),
    (encoded("GIF"), NotAnImage),
    (encoded("BMP"), NotAnImage),
    (encoded("TIFF"), NotAnImage),
    (animated_webp(), NotAnImage),
    (png_bomb(), TooManyPixels),
    (png_header_only(8000, 8000), TooManyPixels),
    (png_header_only(60000, 60000), TooManyPixels),
    (encoded("PNG")[:60], CorruptImage),
], ids=["text", "empty", "gif", "bmp", "tiff", "animated webp", "64 MP png bomb",
        "64 MP header", "3.6 GP header (Pillow's own bomb error)", "truncated png"])
def test_other_files_are_refused_clearly(tmp_path, data, error):
    with pytest.raises(error) as refused:
        check_image(write(tmp_path, "x", data), LIMITS)
    assert refused.value.code.startswith("photos.")


def test_pixel_limit_is_configurable(tmp_path):
    path = write(tmp_path, "x", encoded("PNG", (100, 100)))
    with pytest.raises(TooManyPixels) as refused:
        check_image(path, ImageLimits(max_pixels=9_999))
    assert refused.value.details["max_pixels"] == 9_999


def test_thumbnail_is_upright_and_small(tmp_path):
    out = io.BytesIO()
    write_thumbnail(ROTATED_JPG, out, LIMITS)
    thumb = Image.open(io.BytesIO(out.getvalue()))
    assert thumb.format == "JPEG" and thumb.size == (21, 32)  # portrait, as photographed
    left, right = thumb.getpixel((3, 16)), thumb.getpixel((18, 16))
    assert left[2] > 150 > left[0] and right[0] > 150 > right[2]  # blue left, red right
    assert thumb.getexif().get(0x0112) in (None, 1)


def test_thumbnail_of_a_png_with_alpha_is_rgb(tmp_path):
    path = tmp_path / "a.png"
    Image.new("RGBA", (80, 40), (0, 0, 255, 128)).save(path)
    out = io.BytesIO()
    write_thumbnail(path, out, LIMITS)
    assert Image.open(io.BytesIO(out.getvalue())).size == (32, 16)


@pytest.mark.parametrize("check", [check_image, lambda path, limits: write_thumbnail(
    path, io.BytesIO(), limits)], ids=["checked", "thumbnailed"])
def test_a_truncated_jpeg_fails_at_decoding(tmp_path, check):
    """check_image decodes the whole file (at 1/8 scale): a camera photo whose data breaks
    off is refused before it is kept, not when its thumbnail is first asked for."""
    data = noisy_jpeg(400, seed=5)
    with pytest.raises(CorruptImage):
        check(write(tmp_path, "x", data[: len(data) // 2]), LIMITS)
