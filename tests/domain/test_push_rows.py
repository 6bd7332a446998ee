"""A push reads its batch's crates as plain rows (CrateRow), not ORM objects: a row says what
the ORM crate says, and a batch answers and leaves the crates as the same ops pushed one
batch each would (each reading its crates afresh): conflicts, merges, refusals, held ops,
counts against a book a voucher of the same batch changed, moves between buildings, a
refused bulk write; and the audit chains still verify."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from server.db import utcnow
from server.models import AuditEvent, Crate, Discrepancy
from sync.engine import crates as wire
from sync.engine.ingest import apply_batch
from sync.engine.types import BatchIn, OpIn, op_from_payload
from sync.journal.trail import verify_audit
from sync.stock.rows import COLUMNS, CrateRow
from tests.factories import build_world, principal


def test_a_crate_row_says_what_the_orm_crate_says(session, w):
    ids = sorted(session.scalars(select(Crate.id)))
    rows = wire.read_rows(session, ids, wire.Locations(session), lock=True)
    assert sorted(rows) == ids
    for crate_id, row in rows.items():
        crate = session.get(Crate, crate_id)
        assert isinstance(row, CrateRow)
        assert {c: getattr(row, c) for c in COLUMNS} == {c: getattr(crate, c) for c in COLUMNS}
        assert (row.depot, row.location, row.lot) == (crate.depot, crate.location, crate.lot)
        assert wire.crate_state(row) == wire.crate_state(crate)
        assert [x.serial for x in row.weapons] == [x.serial for x in crate.weapons]
    assert wire.read_rows(session, [], wire.Locations(session), lock=False) == {}


def crate_op(crate_id: str, action: str, seq: int | None = None, **fields) -> OpIn:
    return op_from_payload({"op_id": str(uuid.uuid4()), "entity": "crate",
                            "entity_id": crate_id, "action": action, "seq": seq, **fields})


def voucher_op(world, quantity: int) -> OpIn:
    return op_from_payload({
        "op_id": str(uuid.uuid4()), "entity": "voucher", "entity_id": str(uuid.uuid4()),
        "action": "create", "set": {
            "depot": "NMY", "type": "issue", "occurred_at": datetime.now(UTC).isoformat(),
            "document_ref": "BS 0412", "counterparty": "Poste de Bosso",
            "lines": [{"crate_id": world.crate_ids["ammo"], "quantity": quantity}]}})


def scenario(session, w) -> list[OpIn]:
    """Ops a commander's phone sends: every answer the engine gives, on crates it reads."""
    ammo, rifles, ng = (w.crate_ids[n] for n in ("ammo", "rifles", "ng_ammo"))
    a, r = session.get(Crate, ammo), session.get(Crate, rifles)
    va, vr = a.version, r.version
    return [
        crate_op(ammo, "patch", 1, base_version=va, base={"seal_number": None},
                 set={"seal_number": "S-1"}),                                      # applied
        voucher_op(w, 200),                                  # 1,000 -> 800, through the ORM
        crate_op(ammo, "count", 2, base_version=None, set={"quantity": 800}),  # no shortage
        crate_op(ammo, "patch", 3, base_version=va, base={"location": "B1/A1"},
                 set={"location": "B2/A1"}),              # merged (stale base), a new building
        crate_op(ammo, "patch", 4, base_version=va, base={"seal_number": "X"},
                 set={"seal_number": "S-2"}),                                     # conflict
        crate_op(rifles, "patch", 6, prev_seq=5, base_version=vr,
                 base={"notes": ""}, set={"notes": "after 5"}),          # held, then released
        crate_op(rifles, "patch", 5, base_version=vr, base={"seal_number": None},
                 set={"seal_number": "R-1"}),                                     # applied
        crate_op(rifles, "count", 7, base_version=None, set={"serials": ["AK100001"]}),
        crate_op(rifles, "patch", 8, base_version=vr, base={}, set={"colour": "red"}),
        crate_op(rifles, "patch", 9, base_version=vr, base={}, set={"status": "emptied"}),
        crate_op(ng, "patch", 10, base_version=1, base={}, set={"seal_number": "N"}),
        crate_op(str(uuid.uuid4()), "count", 11, set={"quantity": 1}),
        crate_op(ammo, "patch", 12, base_version=None, base={"location": "B2/A1"},
                 set={"location": "B1/A2", "notes": "back"}),            # back to building 1
    ]


def outcome(result) -> tuple:
    return (result.status, result.code, result.version, len(result.conflict_ids),
            len(result.discrepancy_ids), (result.record or {}).get("location"))


def books(session, w) -> dict:
    session.expire_all()
    state = {n: wire.crate_state(session.get(Crate, w.crate_ids[n])) for n in w.crate_ids}
    kinds = sorted((d.crate_id == w.crate_ids["rifles"], d.kind)
                   for d in session.scalars(select(Discrepancy)))
    actions = sorted(session.scalars(select(AuditEvent.action).where(
        AuditEvent.action != "sync.push")))
    return {"crates": state, "discrepancies": kinds, "audit": actions}


def test_one_batch_answers_as_the_same_ops_one_batch_each(session, w):
    who = principal(session, w, "commander")
    ops = scenario(session, w)
    once = apply_batch(session, who, BatchIn(batch_id="all", ops=tuple(ops)), now=utcnow())
    session.commit()
    together = [outcome(r) for r in once.results] + [outcome(r) for r in once.released]
    assert [o[0] for o in together] == [
        "applied", "applied", "applied", "merged", "conflict", "held", "applied", "applied",
        "rejected", "rejected", "rejected", "rejected", "merged", "merged"]
    assert together[3][5] == "B2/A1" and together[12][5] == "B1/A2"
    assert together[7][4] == 1  # the rifle not counted: recorded_serial_missing
    assert together[2][2] == together[0][2] + 1  # the count saw the version the voucher made
    assert together[2][4] == 0  # the count saw the book the voucher left, 800
    left = books(session, w)
    assert verify_audit(session) == []

    session.rollback()
    other = build_world_again(session)
    who = principal(session, other, "commander")
    one_by_one = []
    for op in scenario(session, other):
        result = apply_batch(session, who, BatchIn(batch_id=str(uuid.uuid4()), ops=(op,)),
                             now=utcnow())
        session.commit()
        one_by_one += [outcome(r) for r in result.results + result.released]
    # one batch each: the held op is answered "held", then released in the next batch
    assert one_by_one == together[:7] + [together[13]] + together[7:13]
    again = books(session, other)
    assert again["discrepancies"] == left["discrepancies"]
    assert again["audit"] == left["audit"]
    for name, state in left["crates"].items():  # but the ids a new world got
        assert same_but_ids(again["crates"][name]) == same_but_ids(state), name
    assert verify_audit(session) == []


def same_but_ids(state: dict) -> dict:
    return {**{k: v for k, v in state.items() if k not in ("id", "label_id", "lot")},
            "lot": state["lot"] is not None}


def build_world_again(session):
    """A second world in the same database: NMY and the rest again under other codes would
    change the answers, so the first world's rows are dropped instead."""
    for table in reversed(Crate.metadata.sorted_tables):
        session.execute(table.delete())
    session.commit()
    world = build_world(session)
    session.commit()
    return world
