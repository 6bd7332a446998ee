"""Decisions taken on the HQ pages: resolving conflicts, investigating and closing
discrepancies (with a second approver when stock changes), enrolling and revoking phones.
Each is audited and shows on the crate's page."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from server.db import db
from server.models import AuditEvent, Conflict, Crate, Discrepancy
from sync.stock.ledger_verify import verify_ledgers
from tests.hq_seed import jpeg_bytes, login, post_form, seed, store_photo
from tests.http.sync_helpers import Phone


@pytest.fixture
def seeded(app, client, world):
    return seed(app, client, world)


def audit_actions(app, entity_id: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.entity_id == entity_id).order_by(AuditEvent.id)))


def test_resolve_a_conflict_with_a_typed_value(app, client, world, seeded):
    login(client, "reviewer")
    conflict_id = seeded.conflict_ids[0]
    page = client.get(f"/hq/conflicts/{conflict_id}").get_data(as_text=True)
    assert re.search(r"Base \(what the phone saw\).*Server.*Phone", page, re.S)
    r = post_form(client, f"/hq/conflicts/{conflict_id}/resolve",
                  {"choose": "value", "value": "B2/A1", "reason": "Seen in B2 stack A1"},
                  page=f"/hq/conflicts/{conflict_id}")
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Conflict resolved." in page and "Seen in B2 stack A1" in page
    with app.app_context():
        crate = db.session.scalar(select(Crate).where(Crate.label_id == world.crates["rifles"]))
        assert (crate.location.building.code, crate.location.code) == ("B2", "A1")
        assert db.session.get(Conflict, conflict_id).resolved_by == world.users["reviewer"]
    assert audit_actions(app, conflict_id) == ["conflict.resolve"]
    crate_page = client.get(f"/hq/crates/{world.crates['rifles']}").get_data(as_text=True)
    assert "conflict.resolve" in crate_page and "Seen in B2 stack A1" in crate_page
    assert "conflict resolved" in crate_page  # the version it made
    again = post_form(client, f"/hq/conflicts/{conflict_id}/resolve",
                      {"choose": "server", "reason": "twice"})
    assert again.status_code == 409


@pytest.mark.parametrize(("form", "status", "text"), [
    ({"choose": "server", "reason": ""}, 422, "reason"),
    ({"choose": "value", "value": "B9/Z9", "reason": "typo"}, 422, "No location"),
    ({"choose": "maybe", "reason": "x"}, 422, "decision"),
], ids=["no reason", "unknown location", "bad choice"])
def test_a_bad_resolution_changes_nothing(app, client, world, seeded, form, status, text):
    login(client, "commander")
    r = post_form(client, f"/hq/conflicts/{seeded.conflict_ids[1]}/resolve", form)
    assert r.status_code == status and text in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Conflict, seeded.conflict_ids[1]).status == "open"


def test_an_adjustment_needs_a_second_person(app, client, world, seeded):
    url = f"/hq/discrepancies/{seeded.discrepancy_id}"
    login(client, "commander")
    assert post_form(client, f"{url}/notes", {"text": "Storekeeper: 60 issued <b>verbally</b>"},
                     page=url).status_code == 302
    r = post_form(client, f"{url}/close", {"outcome": "adjust", "adjustment": "-60",
                                           "cause": "Issued to a patrol without a voucher"})
    assert r.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "awaiting approval" in page and "another person must approve it" in page
    assert "&lt;b&gt;verbally&lt;/b&gt;" in page
    assert 'name="adjustment" value="-60"' in page  # the approver approves what is shown
    mine = post_form(client, f"{url}/approve", {"adjustment": "-60"})
    assert mine.status_code == 422 and "someone other than the person who proposed it" in \
        mine.get_data(as_text=True)

    other = app.test_client()
    login(other, "reviewer")
    r = post_form(other, f"{url}/approve", {"adjustment": "-60"}, page=url)
    assert r.status_code == 302
    with app.app_context():
        found = db.session.get(Discrepancy, seeded.discrepancy_id)
        assert (found.status, found.approved_by, found.proposed_by) == (
            "closed", world.users["reviewer"], world.users["commander"])
        assert found.crate.quantity == 940
        assert verify_ledgers(db.session) == []
    assert audit_actions(app, seeded.discrepancy_id) == [
        "discrepancy.note", "discrepancy.propose_adjustment", "discrepancy.approve"]
    crate_page = other.get(f"/hq/crates/{world.crates['ammo']}").get_data(as_text=True)
    ledger = crate_page[crate_page.index('id="crate-ledger"'):]
    assert re.search(r"adjustment</td>.*?-60</td>\s*<td class=\"num\">940</td>", ledger, re.S)
    assert "discrepancy.approve" in crate_page and "ledger.adjustment" in crate_page


def test_closing_a_shortage_without_adjustment_needs_a_second_person(app, client, world,
                                                                     seeded):
    login(client, "reviewer")
    url = f"/hq/discrepancies/{seeded.discrepancy_id}"
    r = post_form(client, f"{url}/close", {"outcome": "no_adjustment",
                                           "cause": "Recount found the box in B2"}, page=url)
    assert r.status_code == 302
    assert "another person must approve it" in client.get(url).get_data(as_text=True)
    assert post_form(client, f"{url}/approve", {}, page=url).status_code == 422  # own
    other = app.test_client()
    login(other, "commander")
    assert post_form(other, f"{url}/approve", {}, page=url).status_code == 302
    assert "Closure approved." in other.get(url).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Discrepancy, seeded.discrepancy_id).crate.quantity == 1000
    assert post_form(client, f"{url}/close", {"outcome": "no_adjustment",
                                              "cause": "again"}).status_code == 409


@pytest.mark.parametrize(("form", "text"), [
    ({"outcome": "adjust", "cause": "x"}, "signed, non-zero"),
    ({"outcome": "adjust", "adjustment": "-5000", "cause": "x"}, "below zero"),
    ({"outcome": "adjust", "adjustment": "ten", "cause": "x"}, "not valid"),
    ({"outcome": "no_adjustment", "cause": "  "}, "not valid"),
], ids=["no quantity", "below zero", "not a number", "no cause"])
def test_a_bad_close_changes_nothing(app, client, world, seeded, form, text):
    login(client, "commander")
    r = post_form(client, f"/hq/discrepancies/{seeded.discrepancy_id}/close", form)
    assert r.status_code == 422 and text in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Discrepancy, seeded.discrepancy_id).status == "open"


def test_enrol_shows_the_token_once_and_revoke_refuses_it_at_once(app, client, world):
    login(client, "commander")
    page = client.get("/hq/devices").get_data(as_text=True)
    assert "Enrol a phone" in page and "reviewer" not in page.split("Enrol a phone")[1]
    r = post_form(client, "/hq/devices", {"user_id": world.users["inspector"],
                                          "name": "Tecno spare"}, page="/hq/devices")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    token = re.search(r'id="device-token">([^<]+)<', r.get_data(as_text=True)).group(1)
    device_id = re.search(r'<dd class="mono">([0-9a-f-]{36})</dd>',
                          r.get_data(as_text=True)).group(1)
    api = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/depots", headers=api).status_code == 200
    listing = client.get("/hq/devices").get_data(as_text=True)
    assert "Tecno spare" in listing and token not in listing
    r = post_form(client, f"/hq/devices/{device_id}/revoke", {})
    assert r.status_code == 302
    assert "revoked" in client.get("/hq/devices").get_data(as_text=True)
    refused = client.get("/api/v1/depots", headers=api)
    assert (refused.status_code, refused.json["error"]["code"]) == (401, "auth.token_revoked")
    assert audit_actions(app, device_id) == ["device.enroll", "device.revoke"]


def test_an_inspector_sees_and_revokes_only_their_own_phones(app, client, world):
    login(client, "inspector")
    page = client.get("/hq/devices").get_data(as_text=True)
    assert "inspector&#39;s phone" in page and "commander&#39;s phone" not in page
    assert "Enrol a phone" not in page
    r = post_form(client, f"/hq/devices/{world.devices['inspector']}/revoke", {})
    assert r.status_code == 302


def test_the_crate_page_keeps_its_label_history(app, client, world):
    old = world.crates["ammo"]
    commander = {"Authorization": f"Bearer {world.tokens['commander']}"}
    for _ in range(2):  # a first print and a reprint
        r = client.post("/api/v1/depots/NMY/labels/print", headers=commander,
                        json={"layout": "a4-3x8", "crates": [old]})
        assert r.status_code == 200, r.get_data(as_text=True)
    r = client.post(f"/api/v1/depots/NMY/labels/{old}/relabel", headers=commander,
                    json={"reason": "Label torn by <b>rain</b>"})
    assert r.status_code == 200, r.get_data(as_text=True)
    new = r.json["label_id"]
    login(client, "reviewer")
    page = client.get(f"/hq/crates/{old}").get_data(as_text=True)  # the old label still finds it
    assert f"Crate <span class=\"mono\">{new}</span>" in page
    history = page[page.index('id="crate-labels"'):page.index("</table>",
                                                             page.index('id="crate-labels"'))]
    assert old in history and new in history and "retired" in history
    assert "reprint 2" in history and "Label torn by &lt;b&gt;rain&lt;/b&gt;" in history
    assert "label.relabel" in page and "labels.print" in page
    assert "relabelled" in page  # the version the relabel made


def test_the_crate_page_shows_photos_of_the_crate_and_of_its_counts(app, client, world,
                                                                    seeded):
    of_crate, unclaimed = str(uuid.uuid4()), str(uuid.uuid4())
    store_photo(app, world, of_crate, jpeg_bytes((20, 90, 20)), label_id=world.crates["ammo"])
    store_photo(app, world, unclaimed, jpeg_bytes((20, 20, 90)))  # names no crate, no visit
    with app.app_context():
        crate = db.session.scalar(select(Crate).where(Crate.label_id == world.crates["ammo"]))
        crate_id, version = crate.id, crate.version
    phone = Phone(client, world)  # an iPhone spells UUIDs in upper case
    phone.push([phone.op(crate_id, "count", {"quantity": 1000, "photos": [
        seeded.photo_id.upper(), unclaimed.upper()]}, base_version=version)])
    login(client, "inspector")
    page = client.get(f"/hq/crates/{world.crates['ammo']}").get_data(as_text=True)
    gallery = page[page.index("<h2>Photos</h2>"):page.index("<h2>Ledger</h2>")]
    for photo_id in (of_crate, seeded.photo_id):  # the crate's own; the visit's, counted
        assert f'src="/hq/photos/{photo_id}/thumb"' in gallery
        assert client.get(f"/hq/photos/{photo_id}/thumb").status_code == 200
    assert unclaimed not in page  # seen only by the phone that sent it, until claimed
    assert client.get(f"/hq/photos/{unclaimed}").status_code == 404
