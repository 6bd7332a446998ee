"""F2 storage safety and F6 ammunition condition as ODK Collect gets and sends them: the
server's buildings.csv and lots.csv for the phone's depots only, an F2 "no" a finding about
its building, an F6 proposal a safety item that changes nothing until HQ accepts it."""

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from forms.sources.safety import F2_ITEMS
from server.db import db
from server.models import AmmoLot, Finding, SafetyItem, Submission, SuspensionNotice
from server.models.inventory import Condition
from tests.collect import Collect, jpeg, new_instance_id
from tests.http.sync_helpers import bearer
from tests.safety_seed import LICENCE, build_safety
from tests.visit_forms import END, START, header


@pytest.fixture
def safety(app, world, published):
    with app.app_context():
        s = build_safety(db.session, world, "warn")
        db.session.commit()
    return s


def media(collect: Collect, form_id: str, name: str) -> list[dict]:
    manifest = collect.get(f"/forms/{form_id}/manifest").get_data(as_text=True)
    assert f"<filename>{name}</filename>" in manifest
    r = collect.get(f"/forms/{form_id}/attachments/{name}")
    assert r.status_code == 200
    return list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))


def open_visit(collect, world) -> str:
    visit_id = str(uuid.uuid4())
    head = header(world, visit_id)
    r = collect.send(collect.fill("visit_header", head, entity={
        "id": head.pop("__visit"), "create": "1", "label": head["visit_label"]}))
    assert r.status_code == 201, r.data
    return visit_id


def test_the_phone_gets_the_buildings_and_lots_of_its_depots_only(client, collect, world,
                                                                  safety):
    r = client.post("/api/v1/depots/NMY/vouchers", headers=bearer(world, "commander"), json={
        "type": "receipt", "occurred_at": datetime.now(UTC).isoformat(),
        "document_ref": "BL-2026-0042", "lines": [
            {"crate_id": safety.he_box, "quantity": 70, "lot_id": world.lots["he"]}]})
    assert r.status_code == 201, r.json
    buildings = media(collect, "storage_safety", "buildings.csv")
    assert [b["name"] for b in buildings] == ["NMY/B1", "NMY/B2"]  # not ZDR's, not Nigeria's
    b1 = buildings[0]
    assert b1["licence"] == LICENCE and b1["depot"] == "NMY"
    assert b1["load"] == ("1.1: 45.5/50.0 kg · 1.4: 1.6/2000.0 kg · "
                          "Σ 1.1+1.4 = 1.1: 47.1/50.0 kg (94%)")
    assert b1["groups"] == "E, S"
    client.post(f"/api/v1/safety/lots/{world.lots['ball']}/notices",
                headers=bearer(world, "reviewer"), json={"reference": "SUSP-07"})
    rows = media(collect, "ammo_condition", "lots.csv")
    lots = {row["label"].split(" ")[0]: row for row in rows}
    assert len(rows) == 2 and set(lots) == {"BG-98-117", "HE-82-2011-04"}  # once per depot
    assert lots["BG-98-117"]["condition"] == "SUSPENDED" and lots["BG-98-117"]["depot"] == "NMY"
    assert lots["HE-82-2011-04"]["name"] == str(world.lots["he"])


def test_an_f2_no_is_a_finding_about_its_building(app, collect, world, safety):
    visit_id = open_visit(collect, world)
    answers = {"start": START, "end": END, "depot": "NMY", "visit": visit_id,
               "building": "NMY/B1", "temperature_now": "41.5", "temperature_max": "47"}
    answers.update({name: "yes" for name, *_ in F2_ITEMS})
    answers.update(neq_within="no", neq_within_comment="Caisses d'obus de 82 en plus",
                   neq_within_photo="stack.jpg")
    r = collect.send(collect.fill("storage_safety", answers), {"stack.jpg": jpeg()})
    assert r.status_code == 201, r.data
    with app.app_context():
        (finding,) = db.session.scalars(select(Finding).where(Finding.item == "neq_within"))
        assert finding.severity == "critical" and finding.text.startswith("NMY/B1")


def test_an_f6_proposal_is_a_review_item_and_changes_nothing_until_accepted(app, client,
                                                                            collect, world,
                                                                            safety):
    visit_id = open_visit(collect, world)
    # what Collect computed from lots.csv is in the submission, as Collect sends it
    line = {"packaging_sound": "yes", "no_deterioration": "yes", "life_current": "yes",
            "lot_condition": "SERVICEABLE", "lot_due": "-"}
    answers = {"start": START, "end": END, "depot": "NMY", "visit": visit_id, "lots": [
        {**line, "lot": str(world.lots["ball"]), "proposed_condition": "SUSPENDED",
         "recommend_suspension": "yes", "proposal_reason": "Étuis corrodés, 3 caisses",
         "no_deterioration": "no", "no_deterioration_comment": "corrosion",
         "no_deterioration_photo": "rust.jpg"},
        {**line, "lot": str(world.lots["he"]), "proposed_condition": "SERVICEABLE",
         "recommend_suspension": "no"},  # as on the books: nothing proposed
        {**line, "lot": "999999", "proposed_condition": "UNKNOWN",
         "recommend_suspension": "no", "proposal_reason": "?"}]}
    instance_id = new_instance_id()
    r = collect.send(collect.fill("ammo_condition", answers, instance_id=instance_id),
                     {"rust.jpg": jpeg()})
    assert r.status_code == 201, r.data
    with app.app_context():
        submission = db.session.scalar(select(Submission).where(
            Submission.instance_id == instance_id))
        assert [p["field"] for p in submission.problems] == ["proposals[2]"]  # no such lot
        (item,) = db.session.scalars(select(SafetyItem))
        assert (item.kind, item.lot_id, item.source) == (
            "suspension_proposed", world.lots["ball"], "inspection")
        assert db.session.scalar(select(SuspensionNotice)) is None
        item_id = item.id
    r = client.post("/api/v1/depots/NMY/vouchers", headers=bearer(world, "commander"), json={
        "type": "issue", "occurred_at": datetime.now(UTC).isoformat(), "document_ref": "BS-1",
        "lines": [{"crate_id": world.crate_ids["ammo"], "quantity": 5}]})
    assert r.status_code == 201  # a proposal is not a suspension
    r = client.post(f"/api/v1/safety/items/{item_id}/decision",
                    headers=bearer(world, "reviewer"),
                    json={"decision": "accept", "note": "Suspendu en attente d'essai",
                          "reference": "CNLPAL/SUSP/2026/09"})
    assert r.status_code == 200 and r.json["status"] == "accepted", r.json
    r = client.post("/api/v1/depots/NMY/vouchers", headers=bearer(world, "commander"), json={
        "type": "issue", "occurred_at": datetime.now(UTC).isoformat(), "document_ref": "BS-2",
        "lines": [{"crate_id": world.crate_ids["ammo"], "quantity": 5}]})
    assert r.status_code == 409 and r.json["error"]["code"] == "safety.lot_suspended"


def test_a_json_proposal_of_a_condition_waits_for_hq(app, client, world, safety):
    body = {"instance_id": new_instance_id(), "form_id": "ammo_condition",
            "depot": "NMY", "answers": {"lots": []}, "proposals": [
                {"lot": "HE-82-2011-04", "condition": "UNSERVICEABLE_REPAIRABLE",
                 "reason": "Bouchons de fusée manquants", "crate": world.crates["b2_he"]}]}
    r = client.post("/api/v1/submissions", json=body, headers=bearer(world, "inspector"))
    assert r.status_code == 201, r.json
    items = client.get("/api/v1/safety/items", headers=bearer(world, "reviewer")).json["items"]
    assert [(i["kind"], i["details"]["crate"]) for i in items] == [
        ("condition_proposed", world.crates["b2_he"])]
    with app.app_context():
        assert db.session.get(AmmoLot, world.lots["he"]).condition is Condition.SERVICEABLE
    r = client.post(f"/api/v1/safety/items/{items[0]['id']}/decision",
                    headers=bearer(world, "reviewer"),
                    json={"decision": "accept", "note": "Confirmé par le chef de dépôt"})
    assert r.status_code == 200
    with app.app_context():
        lot = db.session.get(AmmoLot, world.lots["he"])
        assert lot.condition is Condition.UNSERVICEABLE_REPAIRABLE
