"""Explosive limits, mixing and surveillance through the API and a phone's ops: refused under
"block" with the building, HD, limit and would-be NEQ named, accepted and queued under
"warn"; a phone's relocation flagged on arrival; a suspended lot found box by box across
depots, never issued."""

from datetime import UTC, date, datetime

import pytest

from server.db import db
from tests.http.sync_helpers import Phone, bearer
from tests.safety_seed import LICENCE, build_safety, set_policy


@pytest.fixture
def safety(app, world, request):
    policy = getattr(request, "param", "block")
    with app.app_context():
        s = build_safety(db.session, world, policy)
        db.session.commit()
    return s


def voucher(type, crate_id, quantity, lot_id=None):
    return {"type": type, "occurred_at": datetime.now(UTC).isoformat(),
            "document_ref": "BL-2026-0042", "counterparty": "Arsenal",
            "lines": [{"crate_id": crate_id, "quantity": quantity, "lot_id": lot_id}]}


def post(client, world, body, user="commander"):
    return client.post("/api/v1/depots/NMY/vouchers", json=body, headers=bearer(world, user))


def receipts(client, world):
    book = client.get("/api/v1/depots/NMY/vouchers?type=receipt",
                      headers=bearer(world, "commander")).json["items"]
    return len(book)


def test_a_receipt_over_the_ell_is_refused_under_block_and_writes_nothing(client, world,
                                                                          safety):
    before = receipts(client, world)
    r = post(client, world, voucher("receipt", safety.he_box, 80, world.lots["he"]))
    assert r.status_code == 409, r.json
    error = r.json["error"]
    assert error["code"] == "safety.ell_exceeded"
    assert error["details"]["building"] == "NMY/B1" and error["details"]["hazard_division"] == "1.1"
    assert error["details"]["limit_kg"] == 50.0 and error["details"]["neq_kg"] == 53.6
    assert error["details"]["divisions"] == ["1.1", "1.4"]  # the ball's 1.6 kg added up
    assert "NMY/B1" in error["message"] and "53.600 kg" in error["message"]
    assert LICENCE in error["message"]
    assert receipts(client, world) == before
    gauge = client.get(f"/api/v1/safety/buildings/{safety.b1}",
                       headers=bearer(world, "commander")).json
    assert gauge["status"] == "ok" and gauge["held"][0]["neq_kg"] == pytest.approx(1.6)


@pytest.mark.parametrize("safety", ["warn"], indirect=True)
def test_under_warn_it_is_accepted_flagged_and_queued_for_hq(client, world, safety):
    r = post(client, world, voucher("receipt", safety.he_box, 80, world.lots["he"]))
    assert r.status_code == 201, r.json
    items = client.get("/api/v1/safety/items", headers=bearer(world, "reviewer")).json["items"]
    assert [(i["kind"], i["source"], i["building"]) for i in items] == [
        ("ell_exceeded", "receipt", "B1")]
    assert items[0]["details"]["neq_kg"] == 53.6
    # a second receipt updates the open item rather than queue another
    assert post(client, world, voucher("receipt", safety.he_box, 5)).status_code == 201
    items = client.get("/api/v1/safety/items", headers=bearer(world, "reviewer")).json["items"]
    assert len(items) == 1 and items[0]["details"]["neq_kg"] == pytest.approx(56.85)
    gauge = client.get(f"/api/v1/safety/buildings/{safety.b1}",
                       headers=bearer(world, "reviewer")).json
    assert gauge["status"] == "over" and gauge["licence"] == LICENCE
    # the commander who received it may not close it; a reviewer does, saying what was done
    r = client.post(f"/api/v1/safety/items/{items[0]['id']}/decision",
                    headers=bearer(world, "commander"),
                    json={"decision": "dismiss", "note": "moved"})
    assert r.status_code == 403
    r = client.post(f"/api/v1/safety/items/{items[0]['id']}/decision",
                    headers=bearer(world, "reviewer"),
                    json={"decision": "dismiss", "note": "30 bombes déplacées vers B2"})
    assert r.status_code == 200 and r.json["status"] == "dismissed"


def test_an_incompatible_group_is_refused_naming_the_lots(client, world, safety):
    assert post(client, world, voucher("receipt", safety.he_box, 20,
                                       world.lots["he"])).status_code == 201
    r = post(client, world, voucher("receipt", safety.fuze_box, 100, world.lots["fuze"]))
    assert r.status_code == 409 and r.json["error"]["code"] == "safety.cg_incompatible"
    details = r.json["error"]["details"]
    assert details["pairs"] == [["B", "E"]]
    assert details["lots"] == {"B": ["FZ-M6-1999-12"], "E": ["HE-82-2011-04"]}
    assert "FZ-M6-1999-12" in r.json["error"]["message"]


def test_a_phone_relocation_that_breaks_the_limit_is_flagged_on_arrival(client, world,
                                                                       safety):
    """40 bombs (26 kg) carried offline from B2 to B1, where 40 already are and the ball
    (1.6 kg): 53.6 kg against a licence of 50. It happened on the ground: applied, queued."""
    assert post(client, world, voucher("receipt", safety.he_box, 40,
                                       world.lots["he"])).status_code == 201
    phone = Phone(client, world, "inspector")
    crate = client.get(f"/api/v1/crates/{world.crates['b2_he']}", headers=bearer(world)).json
    result = phone.push([phone.op(safety.b2_he_box, "patch", {"location": "B1/A1"},
                                  base={"location": "B2/A1"},
                                  base_version=crate["version"])])
    assert result["results"][0]["status"] == "applied", result
    items = client.get("/api/v1/safety/items", headers=bearer(world, "reviewer")).json["items"]
    assert [(i["kind"], i["source"]) for i in items] == [("ell_exceeded", "phone_relocation")]
    assert items[0]["details"]["neq_kg"] == pytest.approx(53.6)


def test_an_issue_of_a_suspended_lot_is_refused_and_every_box_is_found(client, world, safety):
    lot = world.lots["ball"]
    r = client.post(f"/api/v1/safety/lots/{lot}/notices", headers=bearer(world, "commander"),
                    json={"reference": "CNLPAL/SUSP/2026/07"})
    assert r.status_code == 403  # HQ suspends
    r = client.post(f"/api/v1/safety/lots/{lot}/notices", headers=bearer(world, "reviewer"),
                    json={"reference": "CNLPAL/SUSP/2026/07", "reason": "Ratés à l'essai"})
    assert r.status_code == 201, r.json
    assert [(t["depot"], t["confirmed_at"]) for t in r.json["tasks"]] == [
        ("NMY", None), ("ZDR", None)]  # Nigeria's box of the lot is Nigeria's business
    r = post(client, world, voucher("issue", world.crate_ids["ammo"], 10))
    assert r.status_code == 409 and r.json["error"]["code"] == "safety.lot_suspended"
    assert "CNLPAL/SUSP/2026/07" in r.json["error"]["message"]
    boxes = client.get(f"/api/v1/safety/lots/{lot}/boxes",
                       headers=bearer(world, "reviewer")).json["boxes"]
    assert [(b["depot"], b["building"], b["stack"], b["label_id"], b["quantity"])
            for b in boxes] == [
        ("NMY", "B1", "A1", world.crates["ammo"], 1000),
        ("ZDR", "B1", "A1", world.crates["zdr_ball"], 700)]
    assert all(b["counted_at"] is None for b in boxes)
    # the NMY inspector sees NMY's boxes only; another country sees no such lot
    mine = client.get(f"/api/v1/safety/lots/{lot}/boxes", headers=bearer(world)).json["boxes"]
    assert [b["depot"] for b in mine] == ["NMY"]
    phone = Phone(client, world, "inspector")
    phone.push([phone.op(world.crate_ids["ammo"], "count", {"quantity": 1000})])
    notice = client.get(f"/api/v1/safety/lots/{lot}/boxes",
                        headers=bearer(world, "reviewer")).json["notice"]
    assert [(t["depot"], t["confirmed_at"] is not None) for t in notice["tasks"]] == [
        ("NMY", True), ("ZDR", False)]
    r = client.post(f"/api/v1/safety/lots/{lot}/lift", headers=bearer(world, "reviewer"))
    assert r.status_code == 200
    assert post(client, world, voucher("issue", world.crate_ids["ammo"], 10)).status_code == 201


def test_another_countrys_lot_is_not_found(client, world, safety):
    r = client.get(f"/api/v1/safety/lots/{world.lots['he']}/boxes",
                   headers=bearer(world, "ng_commander"))
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    r = client.get(f"/api/v1/safety/buildings/{safety.b1}",
                   headers=bearer(world, "ng_commander"))
    assert r.status_code == 404


def test_a_test_result_in_the_national_code_sets_the_lot_condition(client, world, safety,
                                                                   app):
    with app.app_context():
        set_policy(db.session, "block", condition_codes={"A": "SERVICEABLE",
                                                         "H": "UNSERVICEABLE_FOR_DISPOSAL"})
        db.session.commit()
    lot = world.lots["ball"]
    body = {"tested_on": "2026-11-20", "laboratory": "Laboratoire pyrotechnique de Niamey",
            "test": "proof firing", "code": "h", "next_test_due": "2027-11-20"}
    r = client.post(f"/api/v1/safety/lots/{lot}/tests", headers=bearer(world, "reviewer"),
                    json=body)
    assert r.status_code == 201 and r.json["condition"] == "UNSERVICEABLE_FOR_DISPOSAL"
    r = post(client, world, voucher("issue", world.crate_ids["ammo"], 10))
    assert r.status_code == 409 and r.json["error"]["code"] == "safety.lot_unserviceable"
    r = client.post(f"/api/v1/safety/lots/{lot}/tests", headers=bearer(world, "reviewer"),
                    json={**body, "code": "Z9"})
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid_input"


def test_an_expired_lot_is_not_issued(client, world, safety, app):
    from server.models import AmmoLot

    with app.app_context():
        db.session.get(AmmoLot, world.lots["ball"]).expiry_date = date(2020, 1, 1)
        db.session.commit()
    r = post(client, world, voucher("issue", world.crate_ids["ammo"], 10))
    assert r.status_code == 409 and r.json["error"]["code"] == "safety.lot_expired"
