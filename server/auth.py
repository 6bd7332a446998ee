"""Who is calling: device bearer tokens for phones and tools. What they may do is decided in
server/access.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import current_app, g, request
from sqlalchemy.orm import Session

from server.db import db, utcnow
from sync.access.principal import Principal
from sync.people.accounts import authenticate_device
from sync.people.devices import mark_seen


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def load_device(token: str) -> Principal:
    """Authenticate a device token and set g.device and g.principal. Its "last seen" is noted
    first, in a short transaction of its own (before the request's session has read
    anything, so on SQLite that read never sees a stale snapshot)."""
    if token:
        every = timedelta(seconds=current_app.config["DEVICE_SEEN_EVERY_SECONDS"])
        with Session(db.engine) as own:
            if mark_seen(own, token, now=utcnow(), every=every):
                own.commit()
    device = authenticate_device(db.session, token)
    g.device = device
    g.principal = Principal.of_user(device.user, device)
    return g.principal


def device_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        load_device(bearer_token())
        return view(*args, **kwargs)
    return wrapper
