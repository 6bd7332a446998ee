"""One tracing request as whoever may see it reads it, on HQ and over the API alike: the
request, the regional body carrying it, whether it is overdue, its photos, and, for the
requested state's answering officer only, the candidate matches of its own register."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Body, Photo, TracingRequest
from sync.access.principal import Principal
from sync.register.search import Match
from sync.tracing.photos import request_photos
from sync.tracing.requests import body_of, candidates, get_request, overdue


@dataclass(frozen=True)
class RequestView:
    request: TracingRequest
    body: Body | None
    overdue: bool
    photos: list[Photo]
    candidates: list[Match]


def view_request(session: Session, principal: Principal, request_id: str, *,
                 now: datetime) -> RequestView:
    """The caller commits: a lost or stolen candidate raises its alert, and the register
    search is audited."""
    req = get_request(session, principal, request_id)
    return RequestView(request=req, body=body_of(session, req), overdue=overdue(req, now),
                       photos=request_photos(session, req),
                       candidates=candidates(session, principal, req, now=now))


def summaries(session: Session, rows: list[TracingRequest], *,
              now: datetime) -> list[RequestView]:
    """Requests of a list: what view_request shows but the candidates, the photos of every
    row read at once."""
    ids = [i for r in rows for i in r.photos or []]
    found = {p.id: p for p in session.scalars(select(Photo).where(Photo.id.in_(ids)))} \
        if ids else {}
    return [RequestView(request=r, body=body_of(session, r), overdue=overdue(r, now),
                        photos=[found[i] for i in r.photos or [] if i in found],
                        candidates=[]) for r in rows]
