"""Vouchers proposed offline through the push door: the same rules as online; one that would
take a book below zero is held for review with the reason, the phone learns it on its next
pull, and a replay of the op gets the same answer."""

import uuid
from datetime import UTC, datetime

from tests.http.sync_helpers import Phone, bearer


def issue(phone, world, quantity, type="issue"):
    return phone.op(str(uuid.uuid4()), "create", {
        "depot": "NMY", "type": type, "occurred_at": datetime.now(UTC).isoformat(),
        "document_ref": "BS 0412 (carnet)", "counterparty": "Poste de Bosso",
        "lines": [{"crate_id": world.crate_ids["ammo"], "quantity": quantity}]},
        entity="voucher")


def book(client, world):
    return client.get(f"/api/v1/crates/{world.crates['ammo']}", headers=bearer(world)).json


def test_an_offline_issue_is_posted_on_arrival(client, world):
    phone = Phone(client, world, user="commander")
    res = phone.push([issue(phone, world, 200)])["results"][0]
    assert (res["status"], res["code"]) == ("applied", "ledger.posted"), res
    assert res["reason"].startswith("NE-NMY-")
    assert book(client, world)["quantity"] == 800


def test_an_offline_issue_below_zero_is_held_and_the_phone_learns_it(client, world):
    phone = Phone(client, world, user="commander")
    op = issue(phone, world, 1200)
    res = phone.push([op])["results"][0]
    assert (res["status"], res["code"]) == ("blocked", "ledger.held_for_review"), res
    assert "holds 1000" in res["reason"]
    assert book(client, world)["quantity"] == 1000  # never applied below zero
    again = phone.push([op])["results"][0]  # the same op again: answered as the first time
    assert (again["status"], again["code"]) == ("duplicate", "ledger.held_for_review")
    phone.pull_all()
    r = client.get(f"/api/v1/sync/pull?cursor={phone.cursor}", headers=bearer(world, "commander"))
    held = r.json["held_vouchers"]
    assert [(h["op_id"], h["type"]) for h in held] == [(op["op_id"], "issue")]
    assert "holds 1000" in held[0]["reason"]
    queue = client.get("/api/v1/approvals?status=held", headers=bearer(world, "reviewer")).json
    assert [p["id"] for p in queue["items"]] == [held[0]["id"]]
    r = client.post(f"/api/v1/approvals/{held[0]['id']}/reject",
                    headers=bearer(world, "reviewer"), json={"note": "Issue 1000 at most"})
    assert r.status_code == 200


def test_an_inspector_phone_cannot_post_a_transfer(client, world):
    phone = Phone(client, world, user="inspector")
    res = phone.push([issue(phone, world, 10, type="transfer_out")])["results"][0]
    assert (res["status"], res["code"]) == ("rejected", "ledger.movement_not_allowed")


def test_a_malformed_voucher_op_is_rejected_alone(client, world):
    phone = Phone(client, world, user="commander")
    bad = phone.op(str(uuid.uuid4()), "create", {"depot": "NMY", "type": "issue",
                                                 "lines": "all of it"}, entity="voucher")
    good = issue(phone, world, 1)
    results = phone.push([bad, good])["results"]
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert results[0]["code"] == "invalid_input"
