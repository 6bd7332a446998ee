"""The stock voucher form through the OpenRosa door, as Collect sends it: a commander's issue
becomes the voucher the JSON op voucher.create makes (numbered, on the depot's book); one that
would go below zero is held for review with the reason; a replay posts nothing twice; an
inspector may not post one; a crate outside the phone's scope is a problem, not a line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from server.db import db
from server.models import Crate, Movement, Submission, VoucherProposal
from tests.collect import Collect, new_instance_id


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


@pytest.fixture
def phone(client, world, published):
    return Collect(client, world.tokens["commander"])


def voucher_xml(phone, world, quantity, *, kind="issue", crate="ammo") -> bytes:
    label = world.crates.get(crate, crate)
    return phone.fill("stock_voucher", {
        "start": stamp(), "end": stamp(), "depot": "NMY", "voucher_type": kind,
        "document_ref": "Ordre 12/EMA/2026", "counterparty": "2e bataillon, 1re compagnie",
        "occurred_at": stamp(), "issuer": "Adj. Sani", "receiver": "Lt Harouna",
        "lines": [{"label_typed": label, "label": label, "label_key": label, "crate": label,
                   "quantity": str(quantity)}]}, instance_id=new_instance_id())


def voucher(phone, world, quantity, *, crate="ammo", token=None):
    return phone.send(voucher_xml(phone, world, quantity, crate=crate), token=token)


def book(app, world, crate="ammo") -> int:
    with app.app_context():
        return db.session.get(Crate, world.crate_ids[crate]).quantity


def test_an_issue_on_the_phone_is_posted_as_a_voucher(app, phone, world):
    xml = voucher_xml(phone, world, 30)
    r = phone.send(xml)
    assert r.status_code == 201, r.data
    assert book(app, world) == 970
    with app.app_context():
        issue = db.session.scalar(select(Movement).where(Movement.type == "issue"))
        assert (issue.document_ref, issue.counterparty) == ("Ordre 12/EMA/2026",
                                                            "2e bataillon, 1re compagnie")
        assert issue.voucher_number and issue.lines[0].quantity == -30
        assert db.session.scalar(select(Submission.status)).value == "accepted"
    again = phone.send(xml)  # Collect resends when it never saw the answer
    assert again.status_code in (200, 201)
    assert book(app, world) == 970
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Movement).where(
            Movement.type == "issue")) == 1


def test_an_issue_below_zero_is_held_for_review(app, phone, world):
    r = voucher(phone, world, 5000)
    assert r.status_code == 201, r.data
    assert book(app, world) == 1000
    with app.app_context():
        held = db.session.scalar(select(VoucherProposal))
        assert held.status == "held" and "1000" in held.decision_note
        sub = db.session.scalar(select(Submission))
        assert sub.status.value == "flagged"
        assert [p["code"] for p in sub.problems] == ["ledger.held_for_review"]


def test_an_inspector_may_not_post_and_a_foreign_crate_is_no_line(app, phone, world):
    r = voucher(phone, world, 10, token=world.tokens["inspector"])
    assert r.status_code == 201
    assert book(app, world) == 1000
    with app.app_context():
        [sub] = db.session.scalars(select(Submission))
        assert [p["code"] for p in sub.problems] == ["ledger.movement_not_allowed"]
    r = voucher(phone, world, 10, crate="ng_ammo")
    assert r.status_code == 201
    with app.app_context():
        sub = db.session.scalars(select(Submission).order_by(Submission.received_at.desc(),
                                                            Submission.id)).all()
        problems = [p["problem"] for s in sub for p in s.problems
                    if p.get("field") == "lines[0]"]
        assert problems == ["unknown crate"]
        assert db.session.scalar(select(func.count()).select_from(Movement).where(
            Movement.type == "issue")) == 0
    assert book(app, world, "ng_ammo") == 500
