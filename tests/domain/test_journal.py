"""Change seqs follow commit order: a second writer cannot take a seq while the first holds
one uncommitted (on PostgreSQL the journal lock, on SQLite the write lock of BEGIN IMMEDIATE)."""

import sqlite3

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from server.db import db, utcnow
from server.models import Change
from sync.journal.trail import SYSTEM, record_changes


def test_a_second_writer_waits_for_the_first_to_commit(app):
    with app.app_context():
        engine = db.engine
        first = Session(engine)
        record_changes(first, "crate", [("first", None, 1)], actor=SYSTEM, now=utcnow())
        if engine.dialect.name == "postgresql":
            second = Session(engine)
            second.execute(text("SET lock_timeout = '300ms'"))
            with pytest.raises(OperationalError, match="lock timeout"):
                record_changes(second, "crate", [("second", None, 1)], actor=SYSTEM,
                               now=utcnow())
            second.rollback()
        else:
            raw = sqlite3.connect(engine.url.database, timeout=0.3, isolation_level=None)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                raw.execute("BEGIN IMMEDIATE")
            raw.close()
            second = Session(engine)
        first.commit()
        record_changes(second, "crate", [("second", None, 1)], actor=SYSTEM, now=utcnow())
        second.commit()
        order = list(db.session.scalars(select(Change.entity_id).where(
            Change.entity_id.in_(["first", "second"])).order_by(Change.seq)))
        assert order == ["first", "second"]
        first.close()
        second.close()


def test_audit_chains_are_per_depot_and_name_a_gap_and_a_missing_tail(session):
    from server.models import AuditHead
    from sync.journal.trail import record_audit, verify_audit
    from tests.factories import build_world

    world = build_world(session)
    nmy, zdr = world.depots["NE-NMY"], world.depots["NE-ZDR"]
    for n in range(4):
        record_audit(session, SYSTEM, "test.event", now=utcnow(), depot_id=nmy,
                     country_code="NE", details={"n": n})
    record_audit(session, SYSTEM, "test.event", now=utcnow(), depot_id=zdr, country_code="NE")
    session.commit()
    assert verify_audit(session) == []
    head = session.get(AuditHead, f"d:{nmy}")
    assert session.get(AuditHead, f"d:{zdr}").seq == 1  # its own chain, numbered from 1
    session.execute(text("DELETE FROM audit_events WHERE chain = :c AND chain_seq = :s"),
                    {"c": f"d:{nmy}", "s": head.seq - 2})
    session.execute(text("DELETE FROM audit_events WHERE chain = :c AND chain_seq = :s"),
                    {"c": f"d:{nmy}", "s": head.seq})
    session.commit()
    assert verify_audit(session) == [
        f"depot NE-NMY audit chain: events #{head.seq - 2}..#{head.seq - 2} missing",
        f"depot NE-NMY audit chain: the last 1 event(s), #{head.seq}..#{head.seq}, are missing "
        f"(the stored head is #{head.seq})",
    ]


def test_an_audit_batch_writes_at_its_end_and_forgets_what_a_rolled_back_savepoint_said(
        session):
    """Events recorded in an audit_batch are chained and written when it ends (nothing
    before), in the order they were recorded, across chains; those recorded inside a
    savepoint that rolled back (raised, or refused by the database at flush) are dropped
    with its rows; the chains verify."""
    from sqlalchemy import func
    from sqlalchemy.exc import IntegrityError

    from server.models import AuditEvent
    from sync.journal.trail import audit_batch, record_audit, verify_audit
    from tests.factories import build_world

    world = build_world(session)
    session.commit()
    nmy, zdr = world.depots["NE-NMY"], world.depots["NE-ZDR"]
    before = session.scalar(select(func.count(AuditEvent.id)))

    def note(action, depot):
        record_audit(session, SYSTEM, action, now=utcnow(), depot_id=depot, country_code="NE",
                     details={"name": "Ḥaǧǧ ʿUmar ‮", "n": action})

    with audit_batch(session):
        note("kept.1", nmy)
        with pytest.raises(RuntimeError), session.begin_nested():
            note("dropped.raised", nmy)
            raise RuntimeError("an op refused after its audit")
        with pytest.raises(IntegrityError), session.begin_nested():
            note("dropped.refused", zdr)
            session.execute(text("INSERT INTO countries (code, name, languages, timezone, "
                                 "regional_instrument, settings, commission) VALUES "
                                 "('NE', 'again', '[]', 'UTC', '', '{}', '')"))  # taken
        note("kept.2", zdr)
        with audit_batch(session):  # re-entrant: the outer batch writes
            with session.begin_nested():
                note("kept.3", nmy)
        assert session.scalar(select(func.count(AuditEvent.id))) == before
    session.commit()
    written = list(session.execute(select(AuditEvent.action, AuditEvent.chain,
                                          AuditEvent.chain_seq)
                                   .where(AuditEvent.action.like("kept.%"))
                                   .order_by(AuditEvent.id)))
    assert session.scalar(select(func.count(AuditEvent.id))) == before + 3
    assert [(a, c) for a, c, _s in written] == [
        ("kept.1", f"d:{nmy}"), ("kept.2", f"d:{zdr}"), ("kept.3", f"d:{nmy}")]
    assert written[2][2] == written[0][2] + 1  # one after the other in their chain
    assert verify_audit(session) == []


def test_a_request_locks_its_audit_heads_last_so_a_push_cannot_deadlock_with_it(app):
    """A web request's session batches its audit events until it commits
    (batch_until_commit): a door that audits first and logs changes after (a voucher) holds
    no audit head while it waits for the journal lock, so a writer holding the journal lock
    and then appending to the same depot's chain (a push) is not stuck behind it. On
    PostgreSQL the old order deadlocked; on SQLite the write lock already serialised them.
    Both events are written, in commit order, and the chain verifies."""
    from server.models import AuditEvent
    from sync.journal.trail import batch_until_commit, record_audit, verify_audit
    from tests.factories import build_world

    with app.app_context():
        world = build_world(db.session)
        db.session.commit()
        nmy, engine = world.depots["NE-NMY"], db.engine
        voucher = Session(engine)
        batch_until_commit(voucher)
        record_audit(voucher, SYSTEM, "voucher.create", now=utcnow(), depot_id=nmy,
                     country_code="NE")
        assert not voucher.new  # nothing flushed, no head locked (the push below takes it)
        push = Session(engine)
        record_changes(push, "crate", [("pushed", nmy, 2)], actor=SYSTEM, now=utcnow())
        if engine.dialect.name == "postgresql":
            push.execute(text("SET lock_timeout = '2s'"))
        record_audit(push, SYSTEM, "sync.patch", now=utcnow(), depot_id=nmy, country_code="NE")
        push.commit()
        record_changes(voucher, "crate", [("issued", nmy, 3)], actor=SYSTEM, now=utcnow())
        voucher.commit()
        actions = list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.chain == f"d:{nmy}").order_by(AuditEvent.chain_seq)))
        assert actions[-2:] == ["sync.patch", "voucher.create"]
        assert verify_audit(db.session) == []
        voucher.rollback()
        record_audit(voucher, SYSTEM, "voucher.refused", now=utcnow(), depot_id=nmy,
                     country_code="NE")
        voucher.rollback()  # a refused request: its batched event goes with it
        voucher.commit()
        assert db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "voucher.refused")) is None
        push.close(), voucher.close()
