"""Vouchers through the API: posted (201) or proposed for a second person (202), the voucher
book, the approval queue, the loss clock; refusals with stable codes and nothing written."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.http.sync_helpers import bearer


def voucher(world, type="issue", quantity=10, crate="ammo", **extra):
    return {"type": type, "occurred_at": datetime.now(UTC).isoformat(),
            "document_ref": "BS-2026-0311", "counterparty": "3e compagnie",
            "lines": [{"crate_id": world.crate_ids[crate], "quantity": quantity}], **extra}


def post(client, world, body, user="commander", depot="NMY"):
    return client.post(f"/api/v1/depots/{depot}/vouchers", json=body,
                       headers=bearer(world, user))


def test_an_issue_is_posted_and_listed_in_the_voucher_book(client, world):
    r = post(client, world, voucher(world, receiver="Sgt Hama", transport={
        "vehicle": "Toyota HZJ79 NE-4411", "escort": "1 section", "seals": ["A1", "A2"]}))
    assert r.status_code == 201, r.json
    assert r.json["number"].startswith("NE-NMY-") and r.json["transport"]["seals"] == ["A1", "A2"]
    book = client.get("/api/v1/depots/NMY/vouchers?type=issue",
                      headers=bearer(world, "inspector")).json["items"]
    assert [v["number"] for v in book] == [r.json["number"]]
    crate = client.get(f"/api/v1/crates/{world.crates['ammo']}", headers=bearer(world)).json
    assert crate["quantity"] == 990


def test_a_loss_waits_for_a_second_person_then_posts(client, world):
    r = post(client, world, voucher(world, "loss", 4))
    assert r.status_code == 202 and r.json["status"] == "pending", r.json
    pid = r.json["id"]
    queue = client.get("/api/v1/approvals", headers=bearer(world, "reviewer")).json["items"]
    assert [p["id"] for p in queue] == [pid]
    r = client.post(f"/api/v1/approvals/{pid}/approve", headers=bearer(world, "commander"))
    assert r.status_code == 422 and r.json["error"]["code"] == "ledger.self_approval"
    r = client.post(f"/api/v1/approvals/{pid}/approve", headers=bearer(world, "inspector"))
    assert r.status_code == 403
    r = client.post(f"/api/v1/approvals/{pid}/approve", headers=bearer(world, "reviewer"))
    assert r.status_code == 200 and r.json["status"] == "approved"
    r = client.post(f"/api/v1/approvals/{pid}/approve", headers=bearer(world, "admin"))
    assert r.status_code == 409
    losses = client.get("/api/v1/losses", headers=bearer(world, "reviewer")).json["items"]
    assert [(row["proposal"]["id"], row["overdue"]) for row in losses] == [(pid, False)]
    r = client.post(f"/api/v1/losses/{pid}/report", headers=bearer(world, "commander"),
                    json={"reported_to": "CNCCI", "reported_at": datetime.now(UTC).isoformat()})
    assert r.status_code == 201
    crate = client.get(f"/api/v1/crates/{world.crates['ammo']}", headers=bearer(world)).json
    assert crate["quantity"] == 996


def test_a_rejected_proposal_changes_nothing(client, world):
    pid = post(client, world, voucher(world, "write_off", 50)).json["id"]
    r = client.post(f"/api/v1/approvals/{pid}/reject", headers=bearer(world, "reviewer"),
                    json={"note": "Le lot n'est pas périmé"})
    assert r.status_code == 200 and r.json["status"] == "rejected"
    crate = client.get(f"/api/v1/crates/{world.crates['ammo']}", headers=bearer(world)).json
    assert crate["quantity"] == 1000


def test_an_overdue_theft_is_flagged(client, world):
    old = (datetime.now(UTC) - timedelta(hours=30)).isoformat()
    pid = post(client, world, voucher(world, "theft", 1, occurred_at=old)).json["id"]
    rows = client.get("/api/v1/losses?overdue=1", headers=bearer(world, "admin")).json["items"]
    assert [(row["proposal"]["id"], row["overdue"]) for row in rows] == [(pid, True)]


@pytest.mark.parametrize(("user", "body", "status", "code"), [
    ("inspector", {"type": "transfer_out"}, 403, "ledger.movement_not_allowed"),
    ("commander", {"quantity": 5000}, 409, "ledger.negative_stock"),
    ("commander", {"type": "teleport"}, 422, "invalid_payload"),
    ("commander", {"lines": []}, 422, "invalid_payload"),
    ("commander", {"occurred_at": "2026-11-30T10:00:00"}, 422, "invalid_payload"),
    ("commander", {"lines": [{"crate_id": "x" * 36, "quantity": "10"}]}, 422,
     "invalid_payload"),
    ("commander", {"lines": [{"crate_id": "nope", "quantity": 1}]}, 422, "invalid_input"),
    ("commander", {"document_ref": ""}, 422, "invalid_payload"),
    ("commander", {"type": "destruction", "witnesses": ["Un"]}, 422, "ledger.witness_required"),
    ("ng_commander", {}, 404, "not_found"),
], ids=["inspector transfer", "below zero", "unknown type", "no lines", "naive time",
        "quantity as text", "unknown crate", "no authority document", "one witness",
        "other country"])
def test_bad_vouchers_are_refused_and_write_nothing(client, world, user, body, status, code):
    data = voucher(world)
    if "quantity" in body:
        data["lines"][0]["quantity"] = body.pop("quantity")
    data.update(body)
    r = post(client, world, data, user=user)
    assert r.status_code == status, r.json
    assert r.json["error"]["code"] == code
    book = client.get("/api/v1/depots/NMY/vouchers", headers=bearer(world, "commander")).json
    assert all(v["type"] == "receipt" for v in book["items"])
