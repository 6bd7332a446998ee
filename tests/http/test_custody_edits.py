"""Custody edits by patch: audited with before, after and author (kept when `sync compact`
drops old change-log rows); condition or category of stock only by an approved voucher; a
crate emptied or retired only at zero stock."""

import re

from sqlalchemy import select

from server.db import db
from server.models import AuditEvent
from tests.http.sync_helpers import Phone


def test_a_custody_edit_keeps_before_after_and_author_through_compaction(client, world, app):
    phone = Phone(client, world, "commander")
    crate_id = world.crate_ids["ammo"]
    res = phone.push([phone.op(crate_id, "patch", {"location": "B2/A2", "seal_number": "S-9"},
                               base={"location": "B1/A1", "seal_number": None},
                               base_version=2)])["results"][0]
    assert res["status"] == "applied", res
    assert app.test_cli_runner().invoke(args=["sync", "compact", "--days", "0"]).exit_code == 0
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "crate.custody",
                                                           AuditEvent.entity_id == crate_id))
        assert event.details["before"] == {"location": "B1/A1", "seal_number": None}
        assert event.details["after"] == {"location": "B2/A2", "seal_number": "S-9"}
        assert (event.user_id, event.device_id) == (world.users["commander"],
                                                    world.devices["commander"])
    page = app.test_client()
    from tests.hq_seed import login

    login(page, "reviewer")
    html = page.get(f"/hq/crates/{world.crates['ammo']}").get_data(as_text=True)
    assert "crate.custody" in html  # in the crate's history
    # every movement with its voucher (number, linked to its PDF) and document
    assert re.search(r'href="/hq/depots/NMY/vouchers/\d+\.pdf">NE-NMY-\d{6}</a>', html)


def test_condition_and_category_of_stock_are_not_patched(client, world):
    phone = Phone(client, world, "commander")
    for field, value in (("condition", "UNSERVICEABLE_FOR_DISPOSAL"),
                         ("category", "awaiting_disposal")):
        res = phone.push([phone.op(world.crate_ids["ammo"], "patch", {field: value},
                                   base_version=2)])["results"][0]
        assert (res["status"], res["code"]) == ("rejected", "stock.custody_refused"), res
        assert "condition-change voucher" in res["reason"]


def test_a_crate_with_weapons_is_not_emptied_by_patch(client, world):
    phone = Phone(client, world, "commander")
    res = phone.push([phone.op(world.crate_ids["rifles"], "patch", {"status": "emptied"},
                               base_version=2)])["results"][0]
    assert (res["status"], res["code"]) == ("rejected", "stock.custody_refused"), res
