"""verify reads plain rows (JSON as text, no ORM objects): awkward values written through the
domain functions verify clean, the content it hashes is the ORM's, and each tampering of a
movement, a line, a voucher or an audit event is named, in one process and with workers."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from server.db import db, utcnow
from server.models import Movement
from server.models.ledger import MovementType as MT
from sync.journal.trail import SYSTEM, canonical, record_audit, verify_audit
from sync.stock.ledger import LineIn, Voucher, movement_content, post_movement
from sync.stock.ledger_verify import _chain, verify_ledgers

ODD = "Zinder ⵣ \u202e زيندر 🔫 \"quoted\" \\ \x7f"
NIAMEY = timezone(timedelta(hours=1))
TIMES = (datetime(9, 1, 1, 12, tzinfo=NIAMEY), datetime(9999, 12, 31, 23, 59, 59, 100000,
                                                         tzinfo=NIAMEY),
         datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=NIAMEY))


def post(session, world, type, lines, **kw):
    now = utcnow()
    return post_movement(session, depot_id=world.depots["NE-NMY"], type=type, lines=lines,
                         originator_id=world.users["commander"], now=now,
                         occurred_at=kw.pop("occurred_at", now), **kw)


@pytest.fixture
def awkward(app, world):
    """An issue with every voucher field and odd text, a condition change (a line with
    details), and audit events with odd details at odd times (years 9 and 9999, no or one
    microsecond, not in UTC); returns the two movements' ids."""
    with app.app_context():
        session = db.session
        signed = utcnow().replace(microsecond=0) - timedelta(hours=2)
        issue = post(session, world, MT.ISSUE,
                     [LineIn(crate_id=world.crate_ids["ammo"], quantity=12)],
                     occurred_at=signed, counterparty=ODD, notes=ODD * 3,
                     witnesses=[ODD, "Adamou"], document_ref="BS/2026/ⵣ",
                     voucher=Voucher(issuer=ODD, issuer_signed_at=TIMES[0], receiver="Lt Aï",
                                     receiver_signed_at=signed + timedelta(microseconds=7),
                                     transport={"vehicle": ODD, "seals": ["S-1", "S-2"],
                                                "escort": {"size": 4, "km": 12.5,
                                                           "names": [], "lead": None}},
                                     report_due_at=TIMES[1]))
        change = post(session, world, MT.CONDITION_CHANGE,
                      [LineIn(crate_id=world.crate_ids["ammo"],
                              details={"condition": "SUSPENDED"})],
                      approver_id=world.users["reviewer"])
        for at, details in zip(TIMES, ({"f": 0.1, "third": 1 / 3, "big": 2**70, "name": ODD},
                                       {"z": {"b": [1, {"a": None}], "a": True}}, {},
                                       {"n": 3}), strict=True):
            record_audit(session, SYSTEM, "test.odd", now=at,
                         depot_id=world.depots["NE-NMY"], country_code="NE", entity="crate",
                         entity_id=ODD[:30], details=details)
        session.commit()
        return issue.id, change.id


def verify(workers=1):
    session = db.session
    session.rollback()
    return (verify_ledgers(session, workers=workers)
            + verify_audit(session, workers=workers))


def test_awkward_values_verify_clean_and_hash_the_orms_content(app, world, awkward):
    with app.app_context():
        session = db.session
        assert verify() == [] and verify(workers=2) == []
        streamed = {mid: content for mid, _seq, _prev, _hash, content
                    in _chain(session, world.depots["NE-NMY"])}
        for movement in session.scalars(select(Movement).where(Movement.id.in_(awkward))):
            assert canonical(streamed[movement.id]) == canonical(movement_content(movement))
        assert "voucher" in streamed[awkward[0]]
        assert streamed[awkward[1]]["lines"][0][-1] == {"condition": "SUSPENDED"}


@pytest.mark.parametrize("sql, sqlite_sql, altered", [
    ("UPDATE movements SET transport = '{\"vehicle\": \"other\"}' WHERE id = :issue", None,
     "issue"),
    ("UPDATE movements SET receiver_signed_at = receiver_signed_at + interval '1 microsecond' "
     "WHERE id = :issue", "UPDATE movements SET receiver_signed_at = "
     "replace(receiver_signed_at, '.000007', '.000008') WHERE id = :issue", "issue"),
    ("UPDATE movements SET witnesses = '[\"Adamou\"]' WHERE id = :issue", None, "issue"),
    ("UPDATE movement_lines SET details = '{\"condition\": \"SERVICEABLE\"}' "
     "WHERE movement_id = :change", None, "change"),
    ("UPDATE movement_lines SET movement_id = :issue, line_no = 2 WHERE movement_id = :change",
     None, "both"),
], ids=["transport", "signature_time", "witnesses", "line_details", "line_moved"])
def test_each_tampering_is_named_with_and_without_workers(app, world, awkward, sql, sqlite_sql,
                                                          altered):
    issue, change = awkward
    with app.app_context():
        if db.engine.dialect.name == "sqlite" and sqlite_sql:
            sql = sqlite_sql
        assert db.session.execute(text(sql), {"issue": issue, "change": change}).rowcount == 1
        db.session.commit()
        alone, together = verify(), verify(workers=2)
    assert alone == together
    named = {mid for mid in awkward if any(mid in p and "content altered" in p for p in alone)}
    assert named == {"issue": {issue}, "change": {change}, "both": {issue, change}}[altered]


def test_movements_swapped_in_the_chain_are_named(app, world, awkward):
    issue, change = awkward
    with app.app_context():
        seqs = dict(db.session.execute(text(
            "SELECT id, depot_seq FROM movements WHERE id IN (:a, :b)"), {"a": issue, "b": change}
        ).all())
        for mid, seq in ((issue, -1), (change, seqs[issue]), (issue, seqs[change])):
            db.session.execute(text("UPDATE movements SET depot_seq = :s WHERE id = :id"),
                               {"s": seq, "id": mid})
        db.session.commit()
        problems = verify()
    assert sum("chain broken" in p for p in problems) == 2, problems


def test_text_that_is_not_json_is_named_not_a_crash(app, world, awkward):
    """SQLite keeps any text in a JSON column (PostgreSQL's json type refuses it)."""
    issue, _ = awkward
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with pytest.raises(Exception, match="(?i)json"):
                db.session.execute(text("UPDATE movements SET witnesses = '[oops' "
                                        "WHERE id = :id"), {"id": issue})
            return
        db.session.execute(text("UPDATE movements SET witnesses = '[oops' WHERE id = :id"),
                           {"id": issue})
        db.session.execute(text("UPDATE audit_events SET details = '{oops' WHERE id = "
                                "(SELECT max(id) FROM audit_events)"))
        db.session.commit()
        problems = verify()
    assert any(issue in p and "content altered" in p for p in problems), problems
    assert any(p.startswith("audit event") and "(test.odd): content altered" in p
               for p in problems), problems


def test_an_aware_timestamp_hashes_as_utc_whatever_the_session_zone(app, world, awkward):
    """PostgreSQL hands timestamps over in the session's time zone; the hash covers UTC."""
    with app.app_context():
        session = db.session
        if db.engine.dialect.name == "postgresql":
            session.execute(text("SET LOCAL TIME ZONE 'Africa/Niamey'"))
            at = session.scalar(text("SELECT occurred_at FROM movements LIMIT 1"))
            assert at.utcoffset() == timedelta(hours=1)
        assert verify_ledgers(session) == [] and verify_audit(session) == []


@pytest.mark.parametrize("shift", ["1 microsecond", "2030 years"], ids=["one_us", "to_bc"])
def test_an_audit_event_moved_in_time_is_named(app, world, awkward, shift):
    """On PostgreSQL the database writes a timestamp's canonical string: a microsecond moved
    and a date before year 1 (no datetime can hold it) are named, not a crash."""
    with app.app_context():
        first = db.session.scalar(text("SELECT min(id) FROM audit_events WHERE action = "
                                       "'test.odd'"))
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(f"UPDATE audit_events SET at = at - interval '{shift}' "
                                    "WHERE id = :id"), {"id": first})
        else:  # timestamps are text: the year's digits forged
            db.session.execute(text("UPDATE audit_events SET at = replace(at, '0009-', "
                                    "'0008-') WHERE id = :id"), {"id": first})
        db.session.commit()
        problems = verify()
    assert problems == [f"audit event {first} (test.odd): content altered"]
