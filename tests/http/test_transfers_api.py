"""Transfers through the API: sent by a commander (never an inspector), acknowledged at the
receiver, what did not arrive stays in transit."""

from datetime import UTC, datetime

from tests.http.sync_helpers import bearer


def send(client, world, user="commander", quantity=10):
    return client.post("/api/v1/depots/NMY/transfers", headers=bearer(world, user), json={
        "to_depot": "ZDR", "occurred_at": datetime.now(UTC).isoformat(),
        "document_ref": "OM 46/EMA/2026", "transport": {"vehicle": "ACMAT VLRA",
                                                        "seals": ["NE-0045001"]},
        "lines": [{"crate_id": world.crate_ids["ammo"], "quantity": quantity}]})


def test_an_inspector_is_refused_a_transfer(client, world):
    r = send(client, world, user="inspector")
    assert r.status_code == 403 and r.json["error"]["code"] == "ledger.movement_not_allowed"


def test_a_transfer_not_received_stays_in_transit_with_a_discrepancy(client, world):
    r = send(client, world)
    assert r.status_code == 201 and r.json["status"] == "in_transit", r.json
    cid = r.json["id"]
    crate = client.get(f"/api/v1/crates/{world.crates['ammo']}", headers=bearer(world)).json
    assert crate["quantity"] == 990
    r = client.post(f"/api/v1/consignments/{cid}/acknowledge", headers=bearer(world, "commander"),
                    json={"complete": True, "document_ref": "PV 1"})
    assert r.status_code == 404  # NMY's commander does not receive for ZDR
    r = client.post(f"/api/v1/consignments/{cid}/acknowledge", headers=bearer(world, "admin"),
                    json={"complete": True, "document_ref": "PV de réception 3",
                          "lines": [{"line_no": 1, "received_quantity": 11}]})
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid_input"
    r = client.post(f"/api/v1/consignments/{cid}/acknowledge", headers=bearer(world, "admin"),
                    json={"complete": True, "document_ref": "PV de réception 3"})
    assert r.status_code == 200 and r.json["status"] == "short", r.json
    assert r.json["lines"][0]["discrepancy_id"]
    rows = client.get("/api/v1/in-transit", headers=bearer(world, "reviewer")).json["items"]
    assert [(row["to"], row["in_transit"]) for row in rows] == [("ZDR", 10)]
    r = client.post(f"/api/v1/consignments/{cid}/acknowledge", headers=bearer(world, "admin"),
                    json={"complete": True, "document_ref": "again"})
    assert r.status_code == 409
