"""Vouchers: every movement type through submit_voucher, roles per type, the two-person rule
as a queue (approver for that depot, never the originator), gap-free numbers per depot, and
the loss-report clock."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.db import utcnow
from server.models import Crate, Depot, Movement, User, VoucherProposal, Weapon
from server.models.inventory import WeaponStatus as WS
from sync.access.principal import (
    ApprovalRequired,
    MovementNotAllowed,
    Principal,
    SelfApproval,
)
from sync.journal.trail import verify_audit
from sync.stock import losses, vouchers
from sync.stock.ledger import LineIn, NegativeStock, Voucher
from sync.stock.ledger_verify import verify_ledgers
from tests.factories import add_user, build_world


@pytest.fixture
def w(session):
    world = build_world(session)
    add_user(session, world, "zdr_commander", "commander", "NE", ["ZDR"], device=False)
    session.commit()
    return world


def who(session, w, name):
    return Principal.of_user(session.get(User, w.users[name]))


def depot(session, w, key="NE-NMY"):
    return session.get(Depot, w.depots[key])


def submit(session, w, type, lines, user="commander", where="NE-NMY", **kw):
    data = vouchers.VoucherIn(type=type, lines=tuple(lines), occurred_at=utcnow(),
                              document_ref=kw.pop("document_ref", "ORD/2026/114"), **kw)
    return vouchers.submit_voucher(session, who(session, w, user), depot(session, w, where),
                                   data, now=utcnow())


def approve(session, w, posted, user="reviewer"):
    return vouchers.approve_proposal(session, who(session, w, user), posted.proposal.id,
                                     now=utcnow())


def qty(session, w, name="ammo"):
    return session.get(Crate, w.crate_ids[name]).quantity


def ammo(w, n, name="ammo"):
    return [LineIn(crate_id=w.crate_ids[name], quantity=n)]


def test_posted_types_change_the_book_at_once_with_numbered_vouchers(session, w):
    first = submit(session, w, "issue", ammo(w, 100), counterparty="2e bataillon",
                   voucher=Voucher(issuer="Adj. Sani", issuer_signed_at=utcnow(),
                                   receiver="Lt Abdou", receiver_signed_at=utcnow()))
    second = submit(session, w, "return", ammo(w, 40), counterparty="2e bataillon")
    third = submit(session, w, "receipt", ammo(w, 60), counterparty="Arsenal, Bulgaria",
                   voucher=Voucher(transport={"vehicle": "Renault TRM 10000 4 123 NE",
                                              "escort": "2 gendarmes", "seals": ["S-99812"]}))
    session.commit()
    assert qty(session, w) == 1000 - 100 + 40 + 60
    numbers = [p.movement.voucher_number for p in (first, second, third)]
    seq = first.movement.depot_seq
    assert numbers == [f"NE-NMY-{n:06d}" for n in (seq, seq + 1, seq + 2)]
    assert third.movement.transport["seals"] == ["S-99812"]
    assert first.movement.receiver == "Lt Abdou"
    with pytest.raises(NegativeStock):  # refused whole: no number is used
        submit(session, w, "issue", ammo(w, 5000))
    session.rollback()
    nxt = submit(session, w, "export", ammo(w, 10), counterparty="Mali")
    assert nxt.movement.depot_seq == seq + 3
    assert verify_ledgers(session) == [] and verify_audit(session) == []


def fan(session):
    from sync.journal.trail import SYSTEM
    from sync.stock.setup import create_agency

    create_agency(session, country_code="NE", name="Forces armées nigériennes",
                  marking_code="FAN", actor=SYSTEM, now=utcnow())


def test_weapons_move_by_relocation_marking_issue_return_and_transfer(session, w):
    rifle = w.weapons["AK100001"]
    fan(session)
    submit(session, w, "relocation", [LineIn(weapon_id=rifle,
                                             to_location_id=w.locations["NE-NMY/B2/A1"])])
    submit(session, w, "marking", [LineIn(weapon_id=rifle, details={"marking": {
        "country": "NE", "agency": "FAN", "date": "2026-11", "number": "004211"}})])
    weapon = session.get(Weapon, rifle)
    assert weapon.location_id == w.locations["NE-NMY/B2/A1"] and weapon.crate_id is None
    assert weapon.national_marking == {"country": "NE", "agency": "FAN", "year": 2026,
                                       "number": "004211"}
    submit(session, w, "transfer_out", [LineIn(weapon_id=rifle)], counterparty="NE-ZDR")
    assert session.get(Weapon, rifle).status is WS.IN_TRANSIT
    submit(session, w, "transfer_in", [LineIn(weapon_id=rifle, to_location_id=w.locations[
        "NE-ZDR/B1/A1"])], user="zdr_commander", where="NE-ZDR")
    session.commit()
    weapon = session.get(Weapon, rifle)
    assert (weapon.status, weapon.depot_id) == (WS.IN_STORE, w.depots["NE-ZDR"])


@pytest.mark.parametrize(("marking", "part"), [
    ({"country": "NG", "agency": "FAN", "year": 2026, "number": "004211"}, "country"),
    ({"country": "NE", "agency": "XYZ", "year": 2026, "number": "004211"}, "agency"),
    ({"country": "NE", "agency": "FAN", "year": 1066, "number": "004211"}, "year"),
    ({"country": "NE", "agency": "FAN", "year": 2026, "number": "4211"}, "number"),
    ("NE/FAN/2026/004211", None),
], ids=["other country", "unknown agency", "implausible year", "short number", "bad text"])
def test_a_marking_movement_checks_the_countrys_format_and_writes_nothing(session, w, marking,
                                                                          part):
    from sync.stock.marking import MarkingInvalid

    fan(session)
    session.commit()
    rifle = w.weapons["AK100001"]
    before = session.scalar(select(func.count(Movement.id)))
    with pytest.raises(MarkingInvalid) as refused:
        submit(session, w, "marking", [LineIn(weapon_id=rifle, details={"marking": marking})])
    session.rollback()
    assert refused.value.code == "register.marking_invalid"
    assert refused.value.details.get("part") == part
    assert session.scalar(select(func.count(Movement.id))) == before
    weapon = session.get(Weapon, rifle)
    assert (weapon.national_marking, weapon.marking_key) == ({}, "")


def test_a_weapon_marked_through_the_books_is_found_by_its_marking(session, w):
    from sync.register.search import search_register

    fan(session)
    rifle = w.weapons["AK100002"]
    submit(session, w, "marking", [LineIn(weapon_id=rifle,
                                          details={"marking": "ne - fan - 2026 - 000417"})])
    session.commit()
    reviewer = who(session, w, "reviewer")
    for typed in ("NE-FAN-2026-000417", "NEFAN2026000417", "NE-FAN-2026-0004"):
        matches = search_register(session, reviewer, typed, now=utcnow())
        assert matches and matches[0].weapon.id == rifle, typed
        assert {r.code for r in matches[0].reasons} & {"marking", "marking_prefix"}, typed


@pytest.mark.parametrize(("type", "lines", "extra", "after"), [
    ("loss", "ammo10", {}, 990),
    ("theft", "ammo10", {}, 990),
    ("write_off", "ammo10", {}, 990),
    ("destruction", "ammo10", {"witnesses": ("Cne Ibrahim", "M. Diallo (UNREC)"),
                               "voucher": Voucher(certificate_ref="PV-DESTR-2026-03")}, 990),
    ("adjustment", "ammo-3", {}, 997),
    ("condition_change", "category", {}, 1000),
], ids=["loss", "theft", "write-off", "destruction", "adjustment", "condition change"])
def test_two_person_types_wait_for_a_second_person(session, w, type, lines, extra, after):
    lines = {"ammo10": ammo(w, 10), "ammo-3": ammo(w, -3),
             "category": [LineIn(crate_id=w.crate_ids["ammo"],
                                 details={"category": "awaiting_disposal",
                                          "condition": "UNSERVICEABLE_FOR_DISPOSAL"})]}[lines]
    posted = submit(session, w, type, lines, **extra)
    assert posted.movement is None and posted.proposal.status == "pending"
    assert qty(session, w) == 1000  # nothing on the books until approved
    with pytest.raises(SelfApproval):
        approve(session, w, posted, user="commander")
    proposal = approve(session, w, posted)
    session.commit()
    assert proposal.status == "approved" and qty(session, w) == after
    movement = session.get(Movement, proposal.movement_id)
    assert (movement.originator_id, movement.approver_id) == (w.users["commander"],
                                                              w.users["reviewer"])
    if type == "condition_change":
        assert session.get(Crate, w.crate_ids["ammo"]).category.value == "awaiting_disposal"
    assert verify_ledgers(session) == []


def test_an_inspector_cannot_post_a_transfer(session, w):
    with pytest.raises(MovementNotAllowed, match="inspector may not post a transfer out"):
        submit(session, w, "transfer_out", ammo(w, 10), user="inspector",
               counterparty="NE-ZDR")


def test_the_approver_must_be_allowed_to_approve_for_that_depot(session, w):
    posted = submit(session, w, "loss", ammo(w, 10))
    with pytest.raises(ApprovalRequired, match="commander of the depot"):
        # another depot's commander: not hidden (same country, HQ view) but not allowed
        vouchers.approve_proposal(session, Principal(
            user_id=w.users["zdr_commander"], username="zdr_commander",
            role=who(session, w, "zdr_commander").role, country_code="NE",
            depot_ids=frozenset({w.depots["NE-NMY"], w.depots["NE-ZDR"]})),
            posted.proposal.id, now=utcnow())
    with pytest.raises(MovementNotAllowed):  # and an inspector cannot even propose
        submit(session, w, "loss", ammo(w, 10), user="inspector")


def test_a_proposal_that_could_not_apply_is_refused_at_once(session, w):
    with pytest.raises(NegativeStock):
        submit(session, w, "write_off", ammo(w, 1001))
    session.rollback()
    assert session.scalar(select(VoucherProposal.id)) is None
    with pytest.raises(Exception, match="authority document"):
        submit(session, w, "issue", ammo(w, 1), document_ref="  ")


def test_losses_start_the_country_clock_and_the_queue_shows_overdue(session, w):
    session.get(Depot, w.depots["NE-NMY"]).country.settings = {
        "destruction_witnesses": 2, "loss_report_hours": 12}
    session.flush()
    old = vouchers.VoucherIn(type="theft", lines=tuple(ammo(w, 5)),
                             occurred_at=utcnow() - timedelta(hours=13),
                             document_ref="PV gendarmerie 77/2026")
    late = vouchers.submit_voucher(session, who(session, w, "commander"), depot(session, w),
                                   old, now=utcnow()).proposal
    fresh = submit(session, w, "loss", ammo(w, 2)).proposal
    assert fresh.report_due_at - fresh.proposed_at < timedelta(hours=12, seconds=1)
    hq = who(session, w, "reviewer")
    queue = losses.loss_queue(session, hq, now=utcnow())
    assert [(row.proposal.id, row.overdue) for row in queue] == [(late.id, True),
                                                                 (fresh.id, False)]
    losses.report_loss(session, who(session, w, "commander"), fresh.id,
                       reported_to="CNCCI Niamey", reference="msg 0412", reported_at=utcnow(),
                       now=utcnow())
    assert [row.proposal.id for row in losses.loss_queue(
        session, hq, now=utcnow() + timedelta(days=2), overdue_only=True)] == [late.id]
