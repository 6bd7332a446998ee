"""`audit verify` in worker processes: every chain still walked whole, every tampering named as
one process names it, and the workers read the same state of the database as their caller."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from server.db import db, utcnow
from server.models import AuditEvent, Movement
from sync.journal.chains import check_chains, one_snapshot
from sync.journal.trail import SYSTEM, record_audit, verify_audit
from sync.stock.ledger_verify import verify_ledgers


def events_in(session: Session, chain: str) -> list[str]:
    """A check the workers import by name: how many events the chain holds, as they see it."""
    return [str(session.scalar(select(func.count()).select_from(AuditEvent)
                               .where(AuditEvent.chain == chain)))]


def test_workers_name_every_tampering_one_process_names(app, world):
    with app.app_context():
        session = db.session
        nmy, zdr = world.depots["NE-NMY"], world.depots["NE-ZDR"]
        for n in range(6):
            for depot in (nmy, zdr):
                record_audit(session, SYSTEM, "test.event", now=utcnow(), depot_id=depot,
                             country_code="NE", details={"n": n, "name": "Zinder ⵣ \u202e"})
        session.commit()
        assert verify_ledgers(session, workers=2) == [] and verify_audit(session, workers=2) == []
        chain = session.execute(text("SELECT id, chain_seq FROM audit_events WHERE chain = :c "
                                     "ORDER BY chain_seq"), {"c": f"d:{zdr}"}).all()
        movement = session.scalar(select(Movement.id).order_by(Movement.depot_seq).limit(1))
        session.execute(text("UPDATE movements SET notes = 'forged' WHERE id = :id"),
                        {"id": movement})
        session.execute(text("UPDATE audit_events SET details = '{\"n\": 9}' WHERE chain = :c "
                             "AND chain_seq = 2"), {"c": f"d:{nmy}"})
        session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": chain[1].id})
        for event_id, seq in ((chain[3].id, -1), (chain[4].id, chain[3].chain_seq),
                              (chain[3].id, chain[4].chain_seq)):  # two events swapped
            session.execute(text("UPDATE audit_events SET chain_seq = :s WHERE id = :id"),
                            {"s": seq, "id": event_id})
        session.commit()
        alone = verify_ledgers(session) + verify_audit(session)
        together = verify_ledgers(session, workers=2) + verify_audit(session, workers=2)
    assert together == alone
    assert any(movement in p and "altered" in p for p in together)
    assert any("audit chain: events #2..#2 missing" in p for p in together)
    assert sum(p.startswith("audit event") and "content altered" in p
               for p in together) == 1  # NMY's #2
    # the pair swapped (#4, #5) and the event after them (#6) no longer link up
    assert sum("prev_hash does not match" in p for p in together) == 3


def test_workers_see_what_their_caller_sees_while_writers_go_on(app, world):
    """On PostgreSQL the workers import the caller's snapshot: an event committed after it
    began is not counted. On SQLite the caller's transaction holds the write lock: nothing
    can be committed meanwhile."""
    with app.app_context():
        chain = f"d:{world.depots['NE-NMY']}"
        for n in range(2):
            record_audit(db.session, SYSTEM, "test.event", now=utcnow(),
                         depot_id=world.depots["NE-NMY"], country_code="NE", details={"n": n})
        db.session.commit()
        caller = Session(db.engine)
        one_snapshot(caller)
        before = events_in(caller, chain)
        writer = Session(db.engine)
        if db.engine.dialect.name == "postgresql":
            record_audit(writer, SYSTEM, "test.event", now=utcnow(),
                         depot_id=world.depots["NE-NMY"], country_code="NE")
            writer.commit()
        else:
            raw = sqlite3.connect(db.engine.url.database, timeout=0.3, isolation_level=None)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                raw.execute("BEGIN IMMEDIATE")
            raw.close()
        assert check_chains(caller, "Audit chains", [chain, chain], events_in,
                            workers=2) == before * 2
        caller.rollback()  # a new transaction sees what was committed meanwhile
        after = events_in(caller, chain)
        assert check_chains(caller, "Audit chains", [chain, chain], events_in,
                            workers=2) == after * 2
        caller.close()
        writer.close()
        assert int(after[0]) == int(before[0]) + (db.engine.dialect.name == "postgresql")


def test_an_unknown_snapshot_is_refused_not_trusted(app):
    from sync.journal import chains

    with app.app_context():
        chains._connect(db.engine.url.render_as_string(hide_password=False))
        try:
            with pytest.raises(ValueError, match="unexpected snapshot"):
                chains._run(events_in, "d:1", "x'; DROP TABLE audit_events; --")
        finally:
            chains._worker.close()
