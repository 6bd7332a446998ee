"""The photo store: content-addressed files, partial uploads, no client-chosen paths."""

import io
import os
import time

import pytest

from server.storage import PartialLost, PhotoStore
from tests.imaging import sha256

UPLOAD = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("key", ["../../etc/passwd", "A" * 64, "a" * 63, "", "a" * 64 + "/",
                                 "../" + "a" * 61],
                         ids=["traversal", "upper case", "short", "empty", "slash", "dots"])
def test_paths_come_only_from_checked_keys(tmp_path, key):
    store = PhotoStore(tmp_path)
    with pytest.raises(ValueError):
        store.path(key)
    with pytest.raises(ValueError):
        store.partial_path(key)


def test_same_bytes_are_stored_once(tmp_path):
    store = PhotoStore(tmp_path / "photos")
    data = b"photo bytes"
    digest = sha256(data)
    first, second = tmp_path / "a", tmp_path / "b"
    first.write_bytes(data)
    second.write_bytes(data)
    assert store.put(digest, first) is True
    assert store.put(digest, second) is False
    assert store.path(digest).read_bytes() == data
    assert store.path(digest).relative_to(tmp_path / "photos").parts[:2] == (digest[:2],
                                                                             digest[2:4])
    assert first.exists() and second.exists()  # sources are the caller's to remove


def test_partial_writes_land_at_the_offset_and_cut_what_lies_beyond(tmp_path):
    store = PhotoStore(tmp_path)
    store.write_partial(UPLOAD, 0, io.BytesIO(b"abcdefXXXX"), 10)  # never committed past 6
    store.write_partial(UPLOAD, 6, io.BytesIO(b"ghi"), 3)
    assert store.partial_path(UPLOAD).read_bytes() == b"abcdefghi"
    assert store.partial_size(UPLOAD) == 9
    with pytest.raises(PartialLost):
        store.write_partial(UPLOAD, 20, io.BytesIO(b"x"), 1)
    assert store.remove_partial(UPLOAD) == 9 and store.remove_partial(UPLOAD) == 0


def test_temp_files_are_private_and_cleaned(tmp_path):
    store = PhotoStore(tmp_path)
    with store.temp_file() as (fh, path):
        fh.write(b"x")
        assert os.stat(path).st_mode & 0o077 == 0
    assert not path.exists()
    stale = tmp_path / "tmp" / "left.part"
    stale.write_bytes(b"12345")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    assert store.remove_stale_temp(3600) == 5 and not stale.exists()


def test_thumbnails_are_made_once(tmp_path):
    store = PhotoStore(tmp_path)
    digest = sha256(b"p")
    calls = []
    for _ in range(2):
        store.put_thumbnail(digest, lambda out: (calls.append(1), out.write(b"jpg")))
    assert calls == [1] and store.thumbnail_path(digest).read_bytes() == b"jpg"


def test_a_partial_linked_into_the_store_is_never_written_through(tmp_path):
    # a completion linked the partial into the store, then its transaction failed; the phone
    # resends its last chunk: the stored photo must not change under its digest
    store = PhotoStore(tmp_path)
    store.write_partial(UPLOAD, 0, io.BytesIO(b"abcdef"), 6)
    digest = sha256(b"abcdef")
    store.put(digest, store.partial_path(UPLOAD))
    store.write_partial(UPLOAD, 3, io.BytesIO(b"XYZW"), 4)
    assert store.partial_path(UPLOAD).read_bytes() == b"abcXYZW"
    assert store.path(digest).read_bytes() == b"abcdef"
