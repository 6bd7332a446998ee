"""Configuration turned into the collaborators the doors hand to the rules: the photo store,
upload and image limits, the label key and the login limits. Every door asks here, so no door
imports another and a setting is read in one place."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from flask import current_app

from server.config import Defaults
from server.storage import PhotoStore
from sync.intake.openrosa import PhotoKeeper
from sync.people.staff import LoginLimits
from sync.photos.images import ImageLimits
from sync.photos.records import check_photo_file, store_photo_file
from sync.photos.uploads import UploadLimits


def photo_store() -> PhotoStore:
    return PhotoStore(current_app.config["PHOTO_DIR"])


def public_url_warning() -> str | None:
    """What to tell whoever enrols phones while PUBLIC_URL is left at its default."""
    if current_app.config["PUBLIC_URL"] != Defaults.PUBLIC_URL:
        return None
    return (f"PUBLIC_URL is not set: {Defaults.PUBLIC_URL} is this machine as seen from "
            "itself, and phones cannot reach it. Set PUBLIC_URL to the address phones use "
            "(e.g. https://depotsync.example.org) before enrolling ODK Collect.")


def openrosa_spool() -> Path:
    """Where OpenRosa multipart bodies are spooled while a request runs."""
    return Path(current_app.instance_path) / "tmp" / "openrosa"


def image_limits() -> ImageLimits:
    cfg = current_app.config
    return ImageLimits(max_pixels=cfg["PHOTO_MAX_PIXELS"],
                       thumbnail_size=cfg["PHOTO_THUMBNAIL_SIZE"])


def upload_limits() -> UploadLimits:
    cfg = current_app.config
    return UploadLimits(max_size=cfg["UPLOAD_MAX_SIZE"], device_quota=cfg["UPLOAD_DEVICE_QUOTA"],
                        lifetime=timedelta(days=cfg["UPLOAD_EXPIRY_DAYS"]), image=image_limits())


def photo_keeper() -> PhotoKeeper:
    """check_photo_file and store_photo_file bound to this app's photo store and image
    limits: photos that arrive inside a submission are checked and kept like tus uploads."""
    store, limits = photo_store(), image_limits()

    def keep(session, source, **kwargs):
        return store_photo_file(session, store, source, limits=limits, **kwargs)
    return PhotoKeeper(check=lambda path: check_photo_file(store, path, limits=limits),
                       keep=keep)


def label_key(config: Mapping | None = None) -> bytes:
    """The key that signs labels: LABEL_SECRET_KEY if set (so that rotating SECRET_KEY does
    not turn every printed label into a "forged" one), else SECRET_KEY."""
    config = current_app.config if config is None else config
    return str(config.get("LABEL_SECRET_KEY") or config["SECRET_KEY"]).encode()


def login_limits() -> LoginLimits:
    cfg = current_app.config
    return LoginLimits(per_user=cfg["LOGIN_MAX_FAILURES"], per_ip=cfg["LOGIN_MAX_IP_FAILURES"],
                       window=timedelta(seconds=cfg["LOGIN_WINDOW_SECONDS"]))
