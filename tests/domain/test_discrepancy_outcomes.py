"""Closing a discrepancy posts the matching movement (loss, theft, found) through the voucher
approval queue, and moves each weapon to its new status; a shortage closed with no
adjustment still needs a second person."""

import pytest
from sqlalchemy import select

from server.db import utcnow
from server.errors import InvalidInput
from server.models import Crate, Discrepancy, Movement, VoucherProposal, Weapon
from server.models.inventory import WeaponStatus as WS
from server.models.ledger import MovementType as MT
from sync.access.principal import SelfApproval
from sync.stock import losses, vouchers
from sync.stock.discrepancies import approve_discrepancy, close_discrepancy
from sync.stock.ledger_verify import verify_ledgers
from tests.domain.test_engine import count, principal, push


def open_one(session, w, name, **observed):
    crate = session.get(Crate, w.crate_ids[name])
    result = push(session, principal(session, w), count(crate, **observed)).results[0]
    return result.discrepancy_ids[0]


def test_a_shortage_closed_as_theft_posts_it_after_approval_with_its_clock(session, w):
    found = open_one(session, w, "ammo", quantity=950)
    commander, reviewer = principal(session, w, "commander"), principal(session, w, "reviewer")
    close_discrepancy(session, commander, found, outcome="theft", now=utcnow(),
                      cause="Door forced on the night of 28 Nov; PV gendarmerie 88/2026")
    session.commit()
    proposal = session.scalar(select(VoucherProposal))
    assert (proposal.type, proposal.status) == (MT.THEFT, "pending")
    assert [row.proposal.id for row in losses.loss_queue(session, reviewer, now=utcnow())] == [
        proposal.id]  # the reporting clock runs from the proposal
    assert session.get(Crate, w.crate_ids["ammo"]).quantity == 1000
    with pytest.raises(SelfApproval):
        approve_discrepancy(session, commander, found, now=utcnow())
    session.rollback()
    approve_discrepancy(session, reviewer, found, now=utcnow())
    session.commit()
    closed = session.get(Discrepancy, found)
    movement = session.get(Movement, closed.movement_id)
    assert (closed.status, movement.type, movement.lines[0].quantity) == ("closed", MT.THEFT, -50)
    assert session.get(Crate, w.crate_ids["ammo"]).quantity == 950
    assert verify_ledgers(session) == []


def test_a_missing_serial_closed_as_loss_marks_the_weapon_lost(session, w):
    found = open_one(session, w, "rifles", serials=["AK100001"])
    close_discrepancy(session, principal(session, w, "commander"), found, outcome="loss",
                      cause="Not found after a full search", now=utcnow())
    proposal = session.scalar(select(VoucherProposal))
    vouchers.approve_proposal(session, principal(session, w, "admin"), proposal.id,
                              now=utcnow())  # approving in the queue closes it too
    session.commit()
    weapon = session.get(Weapon, w.weapons["AK100002"])
    assert (weapon.status, weapon.crate_id) == (WS.LOST, None)
    assert session.get(Weapon, w.weapons["AK100001"]).status is WS.IN_STORE
    assert session.get(Discrepancy, found).status == "closed"


def test_a_surplus_closed_as_found_books_the_extra(session, w):
    found = open_one(session, w, "ammo", quantity=1012)
    close_discrepancy(session, principal(session, w, "commander"), found, outcome="found",
                      cause="A box returned by 2e bataillon without a voucher", now=utcnow())
    approve_discrepancy(session, principal(session, w, "reviewer"), found, now=utcnow())
    session.commit()
    assert session.get(Crate, w.crate_ids["ammo"]).quantity == 1012


def test_outcomes_must_fit_the_kind(session, w):
    found = open_one(session, w, "ammo", quantity=1012)
    with pytest.raises(InvalidInput, match="surplus cannot be closed as theft"):
        close_discrepancy(session, principal(session, w, "commander"), found, outcome="theft",
                          cause="x", now=utcnow())


def test_a_rejected_closure_sends_the_discrepancy_back_to_investigation(session, w):
    found = open_one(session, w, "ammo", quantity=990)
    close_discrepancy(session, principal(session, w, "commander"), found, outcome="loss",
                      cause="Probably lost in transport", now=utcnow())
    proposal = session.scalar(select(VoucherProposal))
    vouchers.reject_proposal(session, principal(session, w, "reviewer"), proposal.id,
                             note="Check the transport vouchers first", now=utcnow())
    session.commit()
    assert session.get(Discrepancy, found).status == "open"
