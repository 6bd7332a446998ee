"""Which regional bodies a country works with: its own choice, in Country.settings
["regional_bodies"] = {"ECOWAS": "member", "UNREC": "member"}; an instrument whose application
the country disputes is "contested" (a request through that body then says so, and is sent
only when the sender confirms it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import InvalidInput, NotFound
from server.models import Body, BodyKind, Country

STANDINGS = ("member", "contested")


class BodyNotChosen(InvalidInput):
    code = "tracing.body_not_chosen"


class ContestedBody(InvalidInput):
    code = "tracing.body_contested"


def standing(country: Country, body: Body) -> str | None:
    """member, contested, or None when the country does not work with the body."""
    value = ((country.settings or {}).get("regional_bodies") or {}).get(body.code)
    return value if value in STANDINGS else None


def bodies_of(session: Session, country: Country) -> list[tuple[Body, str]]:
    chosen = (country.settings or {}).get("regional_bodies") or {}
    rows = session.scalars(select(Body).where(Body.code.in_(sorted(chosen)),
                                              Body.kind == BodyKind.REGIONAL).order_by(Body.code))
    return [(b, standing(country, b)) for b in rows if standing(country, b)]


def route_through(session: Session, code: str, sender: Country, receiver: Country, *,
                  confirm_contested: bool) -> Body:
    """The regional body both countries work with, or why it cannot carry the request."""
    body = session.scalar(select(Body).where(Body.code == code.strip().upper(),
                                             Body.kind == BodyKind.REGIONAL))
    if body is None:
        raise NotFound("No such regional body.", body=code)
    standings = {c.code: standing(c, body) for c in (sender, receiver)}
    if None in standings.values():
        raise BodyNotChosen(f"Both states must work with {body.code} for it to route "
                            "the request.", standings=standings)
    if "contested" in standings.values() and not confirm_contested:
        raise ContestedBody(f"The application of {body.code}'s instrument is contested; "
                            "confirm to send through it anyway.", standings=standings)
    return body
