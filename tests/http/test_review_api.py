"""Review API: roles and scope, resolving conflicts, closing discrepancies with two people."""

import pytest
from sqlalchemy import func, select

from server.db import db
from server.models import AuditEvent, Crate, Movement
from sync.stock.ledger_verify import verify_ledgers
from tests.http.sync_helpers import Phone, bearer


@pytest.fixture
def crate_id(app, world):
    with app.app_context():
        return db.session.scalar(select(Crate.id).where(Crate.label_id == world.crates["ammo"]))


@pytest.fixture
def conflict_id(client, world, crate_id):
    a, b = Phone(client, world), Phone(client, world, "commander")
    a.push([a.op(crate_id, "patch", {"location": "B2/A1"}, base={"location": "B1/A1"},
                 base_version=2)])
    res = b.push([b.op(crate_id, "patch", {"location": "B2/A2"}, base={"location": "B1/A1"},
                       base_version=2)])
    return res["results"][0]["conflict_ids"][0]


@pytest.fixture
def shortage_id(client, world, crate_id):
    phone = Phone(client, world)
    res = phone.push([phone.op(crate_id, "count", {"quantity": 970}, base_version=2)])
    return res["results"][0]["discrepancy_ids"][0]


@pytest.mark.parametrize(("user", "status"), [
    ("inspector", 403), ("commander", 200), ("reviewer", 200), ("admin", 200),
    ("ng_commander", 200), ("zdr_inspector", 403)])
def test_who_may_list_conflicts(client, world, conflict_id, user, status):
    r = client.get("/api/v1/conflicts", headers=bearer(world, user))
    assert r.status_code == status
    if status == 200:
        ids = [c["id"] for c in r.json["items"]]
        assert (conflict_id in ids) == (user in ("commander", "reviewer", "admin"))


@pytest.mark.parametrize(("user", "status", "code"), [
    ("inspector", 403, "auth.forbidden"), ("ng_commander", 404, "not_found"),
    ("zdr_inspector", 404, "not_found")])
def test_who_may_not_resolve(client, world, conflict_id, user, status, code):
    r = client.post(f"/api/v1/conflicts/{conflict_id}/resolve",
                    json={"choose": "server", "reason": "x"}, headers=bearer(world, user))
    assert (r.status_code, r.json["error"]["code"]) == (status, code)


def test_resolve_with_a_value_is_a_versioned_change(client, world, conflict_id, crate_id, app):
    before = client.get(f"/api/v1/crates/{world.crates['ammo']}",
                        headers=bearer(world, "reviewer")).json["version"]
    r = client.post(f"/api/v1/conflicts/{conflict_id}/resolve",
                    json={"choose": "value", "value": "B1/A2", "reason": "found it in A2"},
                    headers=bearer(world, "reviewer"))
    assert r.status_code == 200 and r.json["status"] == "resolved"
    crate = client.get(f"/api/v1/crates/{world.crates['ammo']}",
                       headers=bearer(world, "reviewer")).json
    assert crate["version"] == before + 1 and crate["location"]["stack"] == "A2"
    again = client.post(f"/api/v1/conflicts/{conflict_id}/resolve",
                        json={"choose": "server", "reason": "x"},
                        headers=bearer(world, "reviewer"))
    assert (again.status_code, again.json["error"]["code"]) == (409, "conflict")
    missing_reason = client.post(f"/api/v1/conflicts/{conflict_id}/resolve",
                                 json={"choose": "server"}, headers=bearer(world, "reviewer"))
    assert missing_reason.status_code == 422


def test_close_without_adjustment_needs_a_cause(client, world, shortage_id):
    url = f"/api/v1/discrepancies/{shortage_id}/close"
    r = client.post(url, json={"outcome": "no_adjustment", "cause": ""},
                    headers=bearer(world, "commander"))
    assert r.status_code == 422
    r = client.post(url, json={"outcome": "no_adjustment",
                               "cause": "30 rounds were in the next box (miscount)"},
                    headers=bearer(world, "commander"))
    # a shortage closed with no adjustment still needs a second person
    assert r.status_code == 200 and r.json["status"] == "awaiting_approval"
    approve = url.replace("/close", "/approve")
    own = client.post(approve, headers=bearer(world, "commander"))
    assert own.json["error"]["code"] == "ledger.self_approval"
    r = client.post(approve, headers=bearer(world, "reviewer"))
    assert r.status_code == 200 and r.json["status"] == "closed"
    assert r.json["movement_id"] is None


def test_adjustment_needs_a_second_person_and_writes_the_ledger(client, world, shortage_id,
                                                                 app, crate_id):
    base = f"/api/v1/discrepancies/{shortage_id}"
    note = client.post(f"{base}/notes", json={"text": "Storekeeper interviewed."},
                       headers=bearer(world, "commander"))
    assert note.json["investigation"][0]["text"] == "Storekeeper interviewed."
    r = client.post(f"{base}/close", json={"outcome": "adjust", "adjustment": -30,
                                           "cause": "30 rounds issued without voucher"},
                    headers=bearer(world, "commander"))
    assert r.json["status"] == "awaiting_approval"
    with app.app_context():
        assert db.session.get(Crate, crate_id).quantity == 1000
    amount = {"adjustment": -30}
    own = client.post(f"{base}/approve", json=amount, headers=bearer(world, "commander"))
    assert (own.status_code, own.json["error"]["code"]) == (422, "ledger.self_approval")
    inspector = client.post(f"{base}/approve", json=amount, headers=bearer(world, "inspector"))
    assert inspector.status_code == 403
    ok = client.post(f"{base}/approve", json=amount, headers=bearer(world, "reviewer"))
    assert ok.status_code == 200 and ok.json["status"] == "closed"
    with app.app_context():
        assert db.session.get(Crate, crate_id).quantity == 970
        movement = db.session.get(Movement, ok.json["movement_id"])
        assert (movement.type.value, movement.approver_id) == ("adjustment",
                                                               world.users["reviewer"])
        assert verify_ledgers(db.session) == []
    listed = client.get("/api/v1/discrepancies?status=closed", headers=bearer(world, "reviewer"))
    assert [d["id"] for d in listed.json["items"]] == [shortage_id]


def test_a_pending_adjustment_is_answered_not_replaced_and_approved_by_its_amount(
        client, world, shortage_id, app, crate_id):
    base = f"/api/v1/discrepancies/{shortage_id}"
    proposal = {"outcome": "adjust", "adjustment": -30, "cause": "30 rounds issued"}
    first = client.post(f"{base}/close", json=proposal, headers=bearer(world, "commander"))
    assert first.json["status"] == "awaiting_approval"
    again = client.post(f"{base}/close", json=proposal, headers=bearer(world, "commander"))
    assert again.status_code == 200 and again.json == first.json  # a retry: the same proposal
    other = client.post(f"{base}/close", headers=bearer(world, "reviewer"), json={
        "outcome": "adjust", "adjustment": -300, "cause": "it was 300"})
    assert (other.status_code, other.json["error"]["code"]) == (
        409, "discrepancies.proposal_pending")
    assert other.json["error"]["details"] == {"outcome": "adjust", "adjustment": -30}
    closing = client.post(f"{base}/close", headers=bearer(world, "reviewer"), json={
        "outcome": "no_adjustment", "cause": "miscount"})
    assert closing.json["error"]["code"] == "discrepancies.proposal_pending"
    unnamed = client.post(f"{base}/approve", headers=bearer(world, "reviewer"))
    assert (unnamed.status_code, unnamed.json["error"]["code"]) == (
        422, "discrepancies.amount_required")
    wrong = client.post(f"{base}/approve", json={"adjustment": -300},
                        headers=bearer(world, "reviewer"))
    assert (wrong.status_code, wrong.json["error"]["code"]) == (
        409, "discrepancies.amount_changed")
    with app.app_context():
        assert db.session.get(Crate, crate_id).quantity == 1000
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "discrepancy.propose_adjustment")) == 1
    ok = client.post(f"{base}/approve", json={"adjustment": -30},
                     headers=bearer(world, "reviewer"))
    assert ok.status_code == 200 and ok.json["status"] == "closed"
    with app.app_context():
        assert db.session.get(Crate, crate_id).quantity == 970


def test_other_country_cannot_see_discrepancies(client, world, shortage_id):
    r = client.get("/api/v1/discrepancies?status=all", headers=bearer(world, "ng_commander"))
    assert r.json["items"] == []
    r = client.post(f"/api/v1/discrepancies/{shortage_id}/close",
                    json={"outcome": "no_adjustment", "cause": "x"},
                    headers=bearer(world, "ng_commander"))
    assert r.status_code == 404
