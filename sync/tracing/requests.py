"""Tracing requests between states (ITI section IV; ECOWAS Convention art. 19; MOSAIC 05.31).

The requesting state sends the weapon's identification data, directly or through a regional
body it and the requested state both work with (sync/tracing/bodies.py); the body routes it.
Once received, the requested state's clock runs: an acknowledgement and an answer are due
within its own tracing.acknowledge_days and tracing.answer_days (Country.settings). Its
answering officer sees the candidate matches of its register, then answers with only what it
chooses to release (RELEASABLE), or says why it cannot. Nothing else of the register leaves
the country: the request keeps the matched weapon's id, which only the requested state sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from server.errors import Conflict, InvalidInput, NotFound
from server.models import Agency, Body, Country, Movement, MovementLine, TracingRequest, Weapon
from sync.access.principal import Principal
from sync.journal.trail import Actor, record_audit
from sync.register.records import get_weapon
from sync.register.search import Match, search_register
from sync.tracing.bodies import route_through

IDENTIFICATION = ("type", "manufacturer", "model", "calibre", "serial",
                  "country_of_manufacture", "last_import_country", "markings")
CONTEXT = ("seizure_place", "seizure_date", "circumstances")
RELEASABLE = ("manufacturer", "model", "calibre", "serial", "country_of_manufacture", "year",
              "import_country", "import_year", "national_marking", "holder_agency", "status",
              "last_movement")
OUTCOMES = ("traced", "not_found", "declined")
DEFAULT_DAYS = {"acknowledge_days": 7, "answer_days": 30}


class WrongStep(Conflict):
    code = "tracing.wrong_step"


@dataclass(frozen=True)
class RequestIn:
    requested_country: str
    weapon: dict[str, str]
    context: dict[str, str]
    requester_contact: str
    body: str = ""  # a regional body's code, "" to send directly
    confirm_contested: bool = False
    requested_answer_by: datetime | None = None
    seized_weapon_id: str | None = None  # the requester's own record of the seized weapon


def day_end(day: date | None) -> datetime | None:
    """A date asked for an answer, as the end of that day (UTC)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC) if day else None


def _days(country: Country, name: str) -> int:
    value = ((country.settings or {}).get("tracing") or {}).get(name, DEFAULT_DAYS[name])
    return int(value) if isinstance(value, int) and 0 < value <= 365 else DEFAULT_DAYS[name]


def note_step(session: Session, req: TracingRequest, principal: Principal, step: str,
          now: datetime, **extra) -> None:
    """A step in the request's own history and in the audit trail of whoever took it."""
    req.history = [*(req.history or []), {"step": step, "at": now.isoformat(),
                                          "by": principal.username, **extra}]
    record_audit(session, Actor.of(principal),
                 f"tracing.{step}", now=now, entity="tracing_request", entity_id=req.id,
                 country_code=principal.country_code, details={"reference": req.reference})


def _received(req: TracingRequest, receiver: Country, now: datetime) -> None:
    req.status, req.received_at = "received", now
    req.acknowledge_due_at = now + timedelta(days=_days(receiver, "acknowledge_days"))
    req.due_at = now + timedelta(days=_days(receiver, "answer_days"))


def send_request(session: Session, principal: Principal, data: RequestIn, *,
                 now: datetime) -> TracingRequest:
    principal.require("tracing.send")
    sender = session.get(Country, principal.country_code)
    receiver = session.get(Country, (data.requested_country or "").upper()[:2])
    if receiver is None or receiver.code == sender.code:
        raise InvalidInput("The requested state is another known state.",
                           requested_country=data.requested_country)
    weapon = {k: str(data.weapon.get(k) or "").strip()[:200] for k in IDENTIFICATION}
    if not (weapon["serial"] and weapon["manufacturer"]):
        raise InvalidInput("A tracing request gives at least the serial and the maker.")
    body = route_through(session, data.body, sender, receiver,
                         confirm_contested=data.confirm_contested) if data.body else None
    if data.seized_weapon_id:
        get_weapon(session, principal, data.seized_weapon_id)
    year = now.year
    seq = session.scalar(select(func.count(TracingRequest.id)).where(
        TracingRequest.requesting_country == sender.code,
        TracingRequest.reference.like(f"{sender.code}-TR-{year}-%"))) + 1
    req = TracingRequest(
        reference=f"{sender.code}-TR-{year}-{seq:04d}", requesting_country=sender.code,
        requested_country=receiver.code, body_id=body and body.id, weapon=weapon,
        context={k: str(data.context.get(k) or "").strip()[:500] for k in CONTEXT},
        seized_weapon_id=data.seized_weapon_id, requested_by=principal.user_id,
        requester_contact=data.requester_contact.strip()[:200],
        requested_answer_by=data.requested_answer_by, sent_at=now, status="with_body",
        history=[], released={})
    if body is None:
        _received(req, receiver, now)
    session.add(req)
    session.flush()
    note_step(session, req, principal, "send", now, body=body.code if body else "")
    return req


def get_request(session: Session, principal: Principal, request_id: str) -> TracingRequest:
    """A request its requesting state, its requested state (once received) or the body that
    carries it may see; any other is not found."""
    principal.require("tracing.read")
    req = session.get(TracingRequest, str(request_id)[:36])
    if req is None or not _sees(principal, req):
        raise NotFound("No such tracing request.", request_id=request_id)
    return req


def _sees(principal: Principal, req: TracingRequest) -> bool:
    if not principal.in_country:
        return req.body_id is not None and req.body_id == principal.body_id
    return principal.country_code == req.requesting_country or (
        principal.country_code == req.requested_country and req.status != "with_body")


BOXES = ("sent", "received", "carried")


def list_requests(session: Session, principal: Principal,
                  box: str | None = None) -> list[TracingRequest]:
    """The requests the principal sees (get_request), newest first: those its state sent,
    those it received, or those its regional body carries; `box` keeps one of the three."""
    principal.require("tracing.read")
    boxes = {"carried": TracingRequest.body_id == principal.body_id}
    if principal.in_country:
        boxes = {"sent": TracingRequest.requesting_country == principal.country_code,
                 "received": (TracingRequest.requested_country == principal.country_code)
                 & (TracingRequest.status != "with_body")}
    if box is not None and box not in BOXES:
        raise InvalidInput("box is sent, received or carried.", box=box)
    clause = boxes.get(box, false()) if box else or_(*boxes.values())
    return list(session.scalars(select(TracingRequest).where(clause)
                                .order_by(TracingRequest.sent_at.desc()).limit(500)))


def route_request(session: Session, principal: Principal, request_id: str, *,
                  now: datetime) -> TracingRequest:
    """The regional body passes the request on to the requested state."""
    req = get_request(session, principal, request_id)
    principal.require("tracing.route")
    if req.status != "with_body":
        raise WrongStep("This request has already been passed on.", status=req.status)
    _received(req, session.get(Country, req.requested_country), now)
    note_step(session, req, principal, "route", now)
    return req


def _answering(session: Session, principal: Principal, request_id: str,
               steps: tuple[str, ...]) -> TracingRequest:
    req = get_request(session, principal, request_id)
    if principal.country_code != req.requested_country:
        raise NotFound("No such tracing request.", request_id=request_id)
    principal.require("tracing.answer")
    if req.status not in steps:
        raise WrongStep(f"A {req.status} request cannot take this step.", status=req.status)
    return req


def acknowledge_request(session: Session, principal: Principal, request_id: str, *,
                        contact: str, now: datetime) -> TracingRequest:
    req = _answering(session, principal, request_id, ("received",))
    req.status, req.acknowledged_at = "acknowledged", now
    req.answer_contact = (contact or principal.username).strip()[:200]
    note_step(session, req, principal, "acknowledge", now)
    return req


def candidates(session: Session, principal: Principal, req: TracingRequest, *,
               now: datetime) -> list[Match]:
    """The requested state's register as its answering officer searches it: the serial,
    then maker and model, ranked with why each matched."""
    if principal.country_code != req.requested_country or not principal.can("tracing.answer"):
        return []
    w = req.weapon
    query = " ".join(x for x in (w.get("serial"), w.get("model")) if x)
    return search_register(session, principal, query, now=now, limit=10)


def answer_request(session: Session, principal: Principal, request_id: str, *, outcome: str,
                   weapon_id: str | None, release: list[str], text: str,
                   now: datetime) -> TracingRequest:
    req = _answering(session, principal, request_id, ("received", "acknowledged"))
    if outcome not in OUTCOMES:
        raise InvalidInput("outcome is traced, not_found or declined.", outcome=outcome)
    unknown = sorted(set(release) - set(RELEASABLE))
    if unknown:
        raise InvalidInput("These fields cannot be released.", fields=unknown)
    released: dict[str, Any] = {}
    if outcome == "traced":
        if not weapon_id:
            raise InvalidInput("A traced answer names the weapon of the register it found.")
        weapon = get_weapon(session, principal, weapon_id)
        req.matched_weapon_id = weapon.id
        released = released_values(session, weapon, release)
    elif not (text or "").strip():
        raise InvalidInput("An answer that traces nothing says why.")
    req.status = "declined" if outcome == "declined" else "answered"
    req.outcome, req.released, req.answered_at = outcome, released, now
    req.answer_text, req.answered_by = (text or "").strip()[:5000], principal.user_id
    req.acknowledged_at = req.acknowledged_at or now
    note_step(session, req, principal, "answer", now, outcome=outcome, released=sorted(released))
    return req


def released_values(session: Session, weapon: Weapon, fields: list[str]) -> dict[str, Any]:
    """Only the chosen fields, as the requested state's register holds them now."""
    out: dict[str, Any] = {}
    for name in RELEASABLE:
        if name not in fields:
            continue
        if name == "holder_agency":
            out[name] = weapon_agency(session, weapon)
        elif name == "status":
            out[name] = weapon.status.value
        elif name == "last_movement":
            out[name] = last_movement(session, weapon)
        else:
            out[name] = getattr(weapon, name)
    return out


def weapon_agency(session: Session, weapon: Weapon) -> str:
    agency = session.get(Agency, weapon.holder_agency_id) if weapon.holder_agency_id else None
    return agency.name if agency else ""


def last_movement(session: Session, weapon: Weapon) -> dict[str, str]:
    """Where the weapon was last legally held: its last movement's type, date and other
    party (the unit it was issued to, the state it was exported to…)."""
    row = session.execute(select(Movement.type, Movement.occurred_at, Movement.counterparty)
                          .join(MovementLine, MovementLine.movement_id == Movement.id)
                          .where(MovementLine.weapon_id == weapon.id)
                          .order_by(Movement.occurred_at.desc()).limit(1)).first()
    if row is None:
        return {}
    return {"type": row.type.value, "date": row.occurred_at.date().isoformat(),
            "counterparty": row.counterparty}


def overdue(req: TracingRequest, now: datetime) -> bool:
    return req.status in ("received", "acknowledged") and req.due_at is not None \
        and now > req.due_at


def body_of(session: Session, req: TracingRequest) -> Body | None:
    return session.get(Body, req.body_id) if req.body_id else None
