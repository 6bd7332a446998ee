"""The push writes crates and count events by Core executemany, not the ORM's unit of work:
the rows are the same as the ORM wrote, the crates in the session say what the database
holds, and a batch whose bulk write the database refuses runs again op by op."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from server.db import utcnow
from server.models import AppliedOp, Change, CountEvent, Crate
from sync.engine import crates as wire
from sync.engine.ingest import apply_batch
from sync.engine.types import BatchIn, op_from_payload
from tests.factories import principal

WRITTEN = ("location_id", "seal_number", "notes", "tags", "condition", "status", "category",
           "version", "updated_at")


def row(session, table, key):
    return session.execute(select(*table.c).where(table.c.id == key)).one()._asdict()


VALUES = [
    {"seal_number": "S-9"},
    {"seal_number": None, "notes": "n" * 3000, "tags": ["a", "é"]},
    {"location": "B1/A1", "condition": "SERVICEABLE", "status": "in_store",
     "category": "reserve"},
    {"location": None, "condition": None, "tags": []},
]


@pytest.mark.parametrize("values", VALUES, ids=["seal", "notes and tags", "custody",
                                                "emptied"])
def test_staged_fields_write_the_rows_write_fields_wrote(session, w, values):
    table, now = Crate.__table__, utcnow()
    a, b = (session.get(Crate, w.crate_ids[name]) for name in ("ammo", "rifles"))
    before = {c.id: row(session, table, c.id) for c in (a, b)}
    locations = wire.Locations(session)
    wire.write_fields(session, a, values, locations)  # the ORM way, as the push did
    a.version, a.updated_at = a.version + 1, now
    session.flush()
    columns = wire.stage_fields(b, values, locations)  # the staged way, as the push does
    set_committed_value(b, "version", b.version + 1)
    set_committed_value(b, "updated_at", now)
    wire.write_staged(session, {b.id: {**columns, "version": b.version, "updated_at": now}})
    in_memory = wire.crate_state(b)
    session.commit()
    session.expire_all()
    after = {c: row(session, table, c) for c in before}
    written = {"location_id" if k == "location" else k for k in values} | {"version",
                                                                            "updated_at"}
    assert written <= set(WRITTEN)
    for crate_id in before:  # what was not written is as it was
        assert {k: v for k, v in after[crate_id].items() if k not in written} == {
            k: v for k, v in before[crate_id].items() if k not in written}
    assert {k: after[a.id][k] for k in written} == {k: after[b.id][k] for k in written}
    assert wire.crate_state(session.get(Crate, b.id)) == in_memory


def test_core_count_events_are_the_rows_the_orm_wrote(session, w):
    from sync.stock.counts import CountBook, record_count

    crate, now = session.get(Crate, w.crate_ids["ammo"]), utcnow()
    book = CountBook()
    for values in ({"quantity": 999, "seal_intact": False, "serials": [" X1", "X1"],
                    "lot_number": " BG ", "photos": ["p" * 70]}, {}):
        event, _ = record_count(session, book, crate, values, count_id=str(uuid.uuid4()),
                                crate_version=None, device_id=None, user_id=None, now=now)
        orm = CountEvent(**{c.key: getattr(event, c.key) for c in CountEvent.__table__.c})
        orm.id = str(uuid.uuid4())
        session.add(orm)  # the ORM way, as the push did
        session.flush()
        book.write_events(session)
        table = CountEvent.__table__
        core_row, orm_row = row(session, table, event.id), row(session, table, orm.id)
        assert {k: v for k, v in core_row.items() if k != "id"} == {
            k: v for k, v in orm_row.items() if k != "id"}
        nulls = select(*(c.is_(None) for c in table.c))  # SQL NULL, not JSON null, alike
        assert session.execute(nulls.where(table.c.id == event.id)).one() == session.execute(
            nulls.where(table.c.id == orm.id)).one()


def crate_op(crate_id, action, **fields):
    return op_from_payload({"op_id": str(uuid.uuid4()), "entity": "crate",
                            "entity_id": crate_id, "action": action, **fields})


def test_a_batch_leaves_the_crates_it_says(session, w):
    """Two patches of one crate and a count: one row each way, two versions, two changes."""
    who, crate_id = principal(session, w), w.crate_ids["ammo"]
    crate = session.get(Crate, crate_id)
    version = crate.version
    ops = (crate_op(crate_id, "patch", base_version=version, base={"seal_number": None},
                    set={"seal_number": "S-1"}),
           crate_op(crate_id, "count", base_version=version + 1,
                    set={"quantity": 1000, "seal_intact": True}),
           crate_op(crate_id, "patch", base_version=version + 1,
                    base={"location": "B1/A1", "notes": ""},
                    set={"location": "B1/A2", "notes": "moved"}))
    result = apply_batch(session, who, BatchIn(batch_id="b1", ops=ops), now=utcnow())
    assert [r.status for r in result.results] == ["applied", "applied", "applied"]
    in_memory = wire.crate_state(session.get(Crate, crate_id))
    session.commit()
    session.expire_all()
    stored = session.get(Crate, crate_id)
    assert wire.crate_state(stored) == in_memory
    assert (stored.version, stored.seal_number, stored.notes) == (version + 2, "S-1", "moved")
    assert wire.location_code(stored.location) == "B1/A2"
    assert stored.last_counted_at is not None
    assert session.scalar(select(func.count()).select_from(CountEvent).where(
        CountEvent.crate_id == crate_id)) == 1
    assert list(session.scalars(select(Change.version).where(
        Change.entity_id == crate_id).order_by(Change.seq)))[-2:] == [version + 1, version + 2]


def test_a_refused_bulk_write_runs_the_batch_again_op_by_op(session, w):
    """A count whose id another device's count already has: the bulk INSERT fails, the batch
    runs again with a savepoint per op, and only that count is rejected."""
    crate_id = w.crate_ids["ammo"]
    taken = crate_op(crate_id, "count", set={"quantity": 1000})
    apply_batch(session, principal(session, w, "commander"), BatchIn(batch_id="b0",
                                                                     ops=(taken,)), now=utcnow())
    session.commit()
    version = session.get(Crate, crate_id).version
    who = principal(session, w)
    clash = op_from_payload({**taken.raw, "set": {"quantity": 999}})
    ops = (crate_op(crate_id, "patch", base_version=version, base={"seal_number": None},
                    set={"seal_number": "S-2"}), clash,
           crate_op(crate_id, "count", base_version=version + 1, set={"quantity": 1000}))
    result = apply_batch(session, who, BatchIn(batch_id="b1", ops=ops), now=utcnow())
    assert [(r.status, r.code) for r in result.results] == [
        ("applied", None), ("rejected", "conflict.integrity"), ("applied", None)]
    in_memory = wire.crate_state(session.get(Crate, crate_id))
    session.commit()
    session.expire_all()
    stored = session.get(Crate, crate_id)
    assert wire.crate_state(stored) == in_memory
    assert (stored.version, stored.seal_number) == (version + 1, "S-2")
    assert session.scalar(select(func.count()).select_from(CountEvent).where(
        CountEvent.crate_id == crate_id)) == 2
    assert session.scalar(select(func.count()).select_from(AppliedOp).where(
        AppliedOp.batch_id == "b1")) == 3
