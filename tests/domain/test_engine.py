"""The engine without HTTP: apply_batch() with a session and plain values. Counts against the
book (every kind of difference), a phone's ops applied in its order whatever order they
arrive in, and a discrepancy from its opening to its close."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.db import utcnow
from server.models import Crate, Discrepancy, Movement
from server.models.ledger import MovementType
from sync.access.principal import Principal, SelfApproval
from sync.engine.ingest import apply_batch, release_held
from sync.engine.types import BatchIn, OpIn, op_from_payload
from sync.stock.discrepancies import approve_discrepancy, close_discrepancy
from sync.stock.ledger_verify import verify_ledgers
from tests.factories import principal


def push(session, who: Principal, *ops: OpIn):
    result = apply_batch(session, who, BatchIn(batch_id=str(uuid.uuid4()), ops=ops),
                         now=utcnow())
    session.commit()
    return result


def op(crate: Crate, action: str, **fields) -> OpIn:
    """An op as the wire schema hands it to the engine (held ops are kept as their payload)."""
    return op_from_payload({"op_id": str(uuid.uuid4()), "entity": "crate",
                            "entity_id": crate.id, "action": action, **fields})


def count(crate: Crate, **values) -> OpIn:
    return op(crate, "count", base_version=crate.version, set=values)


def open_kinds(session, crate: Crate) -> dict[str, dict]:
    return {d.kind: d.details for d in session.scalars(
        select(Discrepancy).where(Discrepancy.crate_id == crate.id,
                                  Discrepancy.status != "closed"))}


AMMO, RIFLES = "ammo", "rifles"  # 1,000 rounds of lot BG-98-117; AK100001 and AK100002


@pytest.mark.parametrize(("crate_name", "values", "expected"), [
    (AMMO, {"quantity": 1000}, {}),
    (AMMO, {"quantity": 1000, "lot_number": "BG-98-117"}, {}),
    (AMMO, {"quantity": 990}, {"shortage": {"missing": 10}}),
    (AMMO, {"quantity": 1012}, {"surplus": {"extra": 12}}),
    (AMMO, {"quantity": 0}, {"shortage": {"missing": 1000}}),
    (AMMO, {"quantity": 1000, "lot_number": "BG-98-118"},
     {"wrong_lot": {"book_lot": "BG-98-117", "observed_lot": "BG-98-118"}}),
    (AMMO, {"quantity": 995, "lot_number": "XX-1"},
     {"shortage": {"missing": 5},
      "wrong_lot": {"book_lot": "BG-98-117", "observed_lot": "XX-1"}}),
    (AMMO, {"quantity": 1000, "seal_intact": False, "seal_number": "S12"},
     {"security_breach": {"seal": "broken", "seal_number": "S12"}}),
    (AMMO, {"quantity": 1000, "seal_intact": True}, {}),
    (RIFLES, {"serials": ["AK100002", "AK100001"]}, {}),
    (RIFLES, {"serials": ["AK100001"]}, {"recorded_serial_missing": {"serials": ["AK100002"]}}),
    (RIFLES, {"serials": ["AK100001", "AK100002", "AK999999"]},
     {"unknown_serial_found": {"serials": ["AK999999"]}}),
    (RIFLES, {"serials": []}, {"recorded_serial_missing": {"serials": ["AK100001",
                                                                       "AK100002"]}}),
    (RIFLES, {"serials": [" AK100001", "AK100002 "]}, {}),
], ids=["matches", "matches with its lot", "shortage", "surplus", "empty box", "wrong lot",
        "short and wrong lot", "broken seal", "seal intact", "serials in any order",
        "serial missing", "unknown serial", "no serial seen", "serials trimmed"])
def test_a_count_opens_what_differs_from_the_book(session, w, crate_name, values, expected):
    crate = session.get(Crate, w.crate_ids[crate_name])
    book, version = crate.quantity, crate.version
    result = push(session, principal(session, w), count(crate, **values))
    assert [r.status for r in result.results] == ["applied"]
    assert open_kinds(session, crate) == expected
    assert len(result.results[0].discrepancy_ids) == len(expected)
    crate = session.get(Crate, crate.id)
    assert (crate.quantity, crate.version) == (book, version)  # counts never change the book


def test_two_devices_that_disagree_on_one_version_open_a_count_disagreement(session, w):
    crate = session.get(Crate, w.crate_ids[AMMO])
    push(session, principal(session, w, "inspector"), count(crate, quantity=1000))
    push(session, principal(session, w, "commander"), count(crate, quantity=1000))
    assert open_kinds(session, crate) == {}
    push(session, principal(session, w, "commander"), count(crate, quantity=1000))
    assert open_kinds(session, crate) == {}  # the same device again is not a second opinion
    third = count(crate, quantity=998)
    push(session, principal(session, w, "inspector"), third)
    kinds = open_kinds(session, crate)
    assert set(kinds) == {"shortage", "count_disagreement"}
    assert kinds["count_disagreement"]["observed"][1] == 998


def patch(crate: Crate, seq: int, prev: int | None, location: str, base: str,
          version: int) -> OpIn:
    return op(crate, "patch", seq=seq, prev_seq=prev, base_version=version,
              base={"location": base}, set={"location": location})


def location(session, crate_id: str) -> str:
    crate = session.get(Crate, crate_id)
    session.refresh(crate)
    return f"{crate.location.building.code}/{crate.location.code}"


def test_held_ops_apply_in_the_phones_order_whatever_order_they_arrive_in(session, w):
    crate = session.get(Crate, w.crate_ids[AMMO])
    v = crate.version
    one = patch(crate, 1, None, "B1/A2", "B1/A1", v)
    two = patch(crate, 2, 1, "B2/A1", "B1/A2", v + 1)
    three = patch(crate, 3, 2, "B2/A2", "B2/A1", v + 2)
    phone = principal(session, w)

    assert [r.status for r in push(session, phone, three).results] == ["held"]
    assert [r.status for r in push(session, phone, two).results] == ["held"]
    assert location(session, crate.id) == "B1/A1"
    first = push(session, phone, one)
    assert [r.status for r in first.results] == ["applied"]
    assert [(r.op_id, r.status) for r in first.released] == [(two.op_id, "applied"),
                                                             (three.op_id, "applied")]
    assert location(session, crate.id) == "B2/A2"
    assert session.get(Crate, crate.id).version == v + 3


def test_one_batch_in_reverse_order_applies_in_sequence(session, w):
    crate = session.get(Crate, w.crate_ids[AMMO])
    v = crate.version
    ops = (patch(crate, 3, 2, "B2/A2", "B2/A1", v + 2), patch(crate, 2, 1, "B2/A1", "B1/A2", v + 1),
           patch(crate, 1, None, "B1/A2", "B1/A1", v))
    result = push(session, principal(session, w), *ops)
    statuses = {r.op_id: r.status for r in result.results + result.released}
    assert set(statuses.values()) <= {"applied", "held"}
    assert location(session, crate.id) == "B2/A2"
    assert session.get(Crate, crate.id).version == v + 3


def test_release_held_forces_in_order_and_flags_each(session, w):
    crate = session.get(Crate, w.crate_ids[AMMO])
    v = crate.version
    phone = principal(session, w)
    later = patch(crate, 3, 2, "B2/A2", "B2/A1", v + 1)
    orphan = patch(crate, 2, 1, "B2/A1", "B1/A1", v)  # op #1 never comes
    push(session, phone, later)
    push(session, phone, orphan)
    forced = release_held(session, older_than=utcnow() + timedelta(seconds=1), now=utcnow())
    session.commit()
    assert [(o.op_id, o.forced) for o in forced] == [(orphan.op_id, True), (later.op_id, False)]
    assert location(session, crate.id) == "B2/A2"


def test_a_discrepancy_from_opening_to_approved_adjustment(session, w):
    crate = session.get(Crate, w.crate_ids[AMMO])
    inspector = principal(session, w)
    first = push(session, inspector, count(crate, quantity=990)).results[0]
    again = push(session, inspector, count(crate, quantity=980)).results[0]
    assert first.discrepancy_ids == again.discrepancy_ids  # a later count joins the open one
    found = session.get(Discrepancy, first.discrepancy_ids[0])
    assert (found.kind, len(found.count_ids), found.observed_quantity) == ("shortage", 2, 980)

    commander, reviewer = principal(session, w, "commander"), principal(session, w, "reviewer")
    close_discrepancy(session, commander, found.id, outcome="adjust", cause="theft confirmed",
                      adjustment=-20, now=utcnow())
    session.commit()
    assert session.get(Discrepancy, found.id).status == "awaiting_approval"
    assert session.get(Crate, crate.id).quantity == 1000  # nothing moves before approval
    with pytest.raises(SelfApproval):
        approve_discrepancy(session, commander, found.id, adjustment=-20, now=utcnow())
    session.rollback()
    approve_discrepancy(session, reviewer, found.id, adjustment=-20, now=utcnow())
    session.commit()
    closed = session.get(Discrepancy, found.id)
    movement = session.get(Movement, closed.movement_id)
    assert (closed.status, closed.approved_by) == ("closed", w.users["reviewer"])
    assert (movement.type, movement.approver_id) == (MovementType.ADJUSTMENT, w.users["reviewer"])
    assert session.get(Crate, crate.id).quantity == 980
    assert verify_ledgers(session) == []

    # closed for good: the next shortage opens a new discrepancy
    crate = session.get(Crate, w.crate_ids[AMMO])
    later = push(session, inspector, count(crate, quantity=970)).results[0]
    assert later.discrepancy_ids and later.discrepancy_ids != first.discrepancy_ids


def test_closing_with_no_adjustment_changes_no_stock(session, w):
    crate = session.get(Crate, w.crate_ids[AMMO])
    found = push(session, principal(session, w), count(crate, quantity=1001)).results[0]
    movements = session.scalar(select(func.count(Movement.id)))
    close_discrepancy(session, principal(session, w, "commander"), found.discrepancy_ids[0],
                      outcome="no_adjustment", cause="miscount: a loose round", now=utcnow())
    session.commit()
    assert session.get(Discrepancy, found.discrepancy_ids[0]).status == "closed"
    assert session.scalar(select(func.count(Movement.id))) == movements
    assert session.get(Crate, crate.id).quantity == 1000
