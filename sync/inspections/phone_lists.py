"""What a phone needs offline to fill a visit: the recent visits of its depots (visits.csv,
an ODK entity list the header form adds to on the phone), the people of its country who
can be named inspectors, finding owners or acknowledging commanders (users.csv), and which
registers each depot keeps (registers.csv, which pre-fills F1)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Depot, User, Visit
from sync.access.principal import Principal
from sync.access.scope import sees_user, visible_depots
from sync.inspections.registers import KINDS, kept_registers

VISIT_COLUMNS = ("name", "label", "__version", "depot", "visit_type")
USER_COLUMNS = ("name", "label", "role")
REGISTER_COLUMNS = ("name", "label", *KINDS)
RECENT = timedelta(days=30)  # a visit older than this is no longer offered to the phones


def _visits(session: Session, principal: Principal, now: datetime) -> list[Visit]:
    depots = [d.id for d in visible_depots(session, principal)]
    return list(session.scalars(
        select(Visit).where(Visit.depot_id.in_(depots), Visit.created_at >= now - RECENT)
        .order_by(Visit.created_at, Visit.id)))


def visit_rows(session: Session, principal: Principal, *, now: datetime) -> list[tuple]:
    principal.require("inventory.read")
    rows = []
    for v in _visits(session, principal, now):
        depot = session.get(Depot, v.depot_id)
        day = (v.started_at or v.created_at).date().isoformat()
        rows.append((v.id, f"{depot.code} {day} {v.visit_type}".strip(), 1, depot.code,
                     v.visit_type))
    return rows


def user_rows(session: Session, principal: Principal) -> list[tuple]:
    principal.require("inventory.read")
    users = session.scalars(select(User).where(User.country_code == principal.country_code,
                                               User.active.is_(True)).order_by(User.id))
    return [(u.id, f"{u.rank} {u.full_name or u.username}".strip(), u.role.value)
            for u in users if sees_user(principal, u)]


def visit_states(session: Session, principal: Principal, ids: Sequence[str], *,
                 now: datetime) -> list[tuple[str, bool]]:
    """The integrity answer for visits: a visit the server knows and no longer offers is
    gone; one it has not heard of yet stays (the phone opened it and has not sent it)."""
    principal.require("inventory.read")
    offered = {v.id for v in _visits(session, principal, now)}
    known = set(session.scalars(select(Visit.id).where(Visit.id.in_(list(ids)[:5000]))))
    return [(i, i in known and i not in offered) for i in ids]


def register_rows(session: Session, principal: Principal, *, now: datetime) -> list[tuple]:
    principal.require("inventory.read")
    return [(code, code, *("yes" if kept[k] else "no" for k in KINDS))
            for code, kept in kept_registers(session, principal, now=now)]
