"""The demo's explosive safety: every building under a numbered licence, ammunition past its
shelf life re-tested by the national laboratory (so the season can issue it), NMY's igloo
near its limit after its licence was cut for new barracks inside its safety distances, and
one suspended lot held at two depots of Niger."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.models import AmmoLot, Crate, Depot
from sync.access.principal import Principal
from sync.stock import surveillance

LAB = "Laboratoire de surveillance des munitions, Niamey"
NEAR = (  # the igloo's licence after the barracks were built 350 m away
    "NMY", "B3", {"1.1": 185.0}, "ELL-NE-NMY-B3-2026-02")


def add_safety(session: Session, users: dict[str, Principal], depots: dict[str, Depot],
               now: datetime) -> None:
    for depot in depots.values():
        for building in depot.buildings:
            building.ell_licence_ref = (f"ELL-{depot.country_code}-{depot.code}-"
                                        f"{building.code}-2025-{building.id:02d}")
    code, building_code, ell, licence = NEAR
    building = next(b for b in depots[code].buildings if b.code == building_code)
    building.ell_kg, building.ell_licence_ref = ell, licence
    _retest_expired(session, users, depots, now)
    _suspend_one(session, users["revue"], depots, now)


def _retest_expired(session: Session, users: dict[str, Principal], depots: dict, now) -> None:
    """Niger's expired lots passed their proof firing this year: two more years."""
    tested = now.date() - timedelta(days=60)
    for lot in _held(session, depots["NMY"].country_code):
        if lot.expiry_date is not None and lot.expiry_date < now.date():
            surveillance.record_test(
                session, users["revue"], lot.id, tested_on=tested, laboratory=LAB,
                test="proof firing (25 rounds) and stabiliser content", code="SERVICEABLE",
                next_test_due=date(tested.year + 2, tested.month, 1), now=now)


def _held(session: Session, country: str) -> list[AmmoLot]:
    return list(session.scalars(select(AmmoLot).where(AmmoLot.id.in_(
        select(Crate.lot_id).join(Depot, Depot.id == Crate.depot_id).where(
            Depot.country_code == country, Crate.quantity > 0))).order_by(AmmoLot.id)))


def _suspend_one(session: Session, reviewer: Principal, depots: dict, now) -> None:
    """A lot of NMY and ZDR whose boxes the season does not issue (it issues from NMY's
    first twelve boxes by label), suspended after misfires in a unit's training."""
    nmy, zdr = depots["NMY"].id, depots["ZDR"].id
    issued = set(session.scalars(select(Crate.lot_id).where(
        Crate.depot_id == nmy, Crate.lot_id.is_not(None)).order_by(Crate.label_id).limit(12)))
    both = session.scalars(select(Crate.lot_id).where(
        Crate.depot_id.in_((nmy, zdr)), Crate.quantity > 0).group_by(Crate.lot_id)
        .having(func.count(Crate.depot_id.distinct()) == 2).order_by(Crate.lot_id))
    lot_id = next(lot for lot in both if lot not in issued)
    surveillance.suspend_lot(
        session, reviewer, lot_id, reference="CNCCAI/SUSP/2026/003",
        reason="Ratés et longs feux signalés par le 2e bataillon au tir d'instruction",
        now=now)
