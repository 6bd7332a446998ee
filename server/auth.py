"""Who is calling: device bearer tokens for phones and tools. What they may do is decided in
server/access.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import current_app, g, request

from server.db import READING, db, utcnow
from sync.access.principal import Principal
from sync.people.accounts import authenticate_device
from sync.people.devices import mark_seen


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def load_device(token: str) -> Principal:
    """Authenticate a device token, note its "last seen", and set g.device and g.principal.
    The token is checked in a read of its own (on SQLite, one that waits for no writer), and
    "last seen", when it is due, in a short transaction committed at once: it stays noted
    whatever the request does next, and the request's own transaction (on SQLite, the
    database's write lock) begins at its first domain read, not while its body streams in."""
    db.session.connection(execution_options=READING)
    device = authenticate_device(db.session, token)
    g.device = device
    g.principal = Principal.of_user(device.user, device)
    db.session.commit()  # the read ends
    every = timedelta(seconds=current_app.config["DEVICE_SEEN_EVERY_SECONDS"])
    mark_seen(db.session, device, now=utcnow(), every=every)  # most requests: no statement
    db.session.commit()
    return g.principal


def device_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        load_device(bearer_token())
        return view(*args, **kwargs)
    return wrapper
