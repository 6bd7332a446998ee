"""The HQ discrepancy page closes a shortage as loss or theft and a surplus as found (as the
API does), each through the approval queue: the proposer cannot approve it, a second person
can, and only then does the book move."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.db import db
from server.models import Crate, Depot, Discrepancy, VoucherProposal
from tests.conftest import fresh_database, make_app
from tests.domain.test_engine import count, principal, push
from tests.factories import add_ammo_crate, build_world
from tests.hq_seed import as_user, post_form


@pytest.fixture(scope="module")
def hq(migrated, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("close")
    app = make_app(fresh_database(migrated, tmp), tmp)
    with app.app_context():
        world = build_world(db.session)
        add_ammo_crate(db.session, world, "ammo2", db.session.get(Depot, world.depots[
            "NE-NMY"]), 1000, world.lots["ball"], "NE-NMY/B1/A1", "commander")
        db.session.commit()
        ids = {}
        for name, observed in (("ammo", 950), ("ammo2", 1010)):
            crate = db.session.get(Crate, world.crate_ids[name])
            ids[name] = push(db.session, principal(db.session, world),
                             count(crate, quantity=observed)).results[0].discrepancy_ids[0]
    return {"app": app, "world": world, "ids": ids}


def test_a_shortage_is_closed_as_theft_by_two_people(hq):
    found = hq["ids"]["ammo"]
    url = f"/hq/discrepancies/{found}"
    commander = as_user(hq, "commander")
    html = commander.get(url).get_data(as_text=True)
    assert 'value="theft"' in html and 'value="loss"' in html and 'value="found"' not in html
    r = post_form(commander, f"{url}/close", {"outcome": "theft",
                                              "cause": "Door forced; PV gendarmerie 88/2026"},
                  page=url)
    assert r.status_code == 302
    assert "awaiting approval" in commander.get(url).get_data(as_text=True)
    r = post_form(commander, f"{url}/approve", {}, page=url)
    assert r.status_code == 422 and "someone other than" in r.get_data(as_text=True)
    with hq["app"].app_context():
        assert db.session.get(Crate, hq["world"].crate_ids["ammo"]).quantity == 1000
        assert db.session.scalar(select(VoucherProposal.type)).value == "theft"
    r = post_form(as_user(hq, "reviewer"), f"{url}/approve", {}, page=url)
    assert r.status_code == 302
    with hq["app"].app_context():
        assert db.session.get(Crate, hq["world"].crate_ids["ammo"]).quantity == 950
        assert db.session.get(Discrepancy, found).status == "closed"


def test_a_surplus_is_closed_as_found_and_a_shortage_never_is(hq):
    url = f"/hq/discrepancies/{hq['ids']['ammo2']}"
    commander = as_user(hq, "commander")
    html = commander.get(url).get_data(as_text=True)
    assert 'value="found"' in html and 'value="theft"' not in html
    r = post_form(commander, f"{url}/close", {"outcome": "theft", "cause": "x"}, page=url)
    assert r.status_code == 422 and "cannot be closed as theft" in r.get_data(as_text=True)
    r = post_form(commander, f"{url}/close", {"outcome": "found",
                                              "cause": "Box of 10 left from the 2025 count"},
                  page=url)
    assert r.status_code == 302
    assert post_form(as_user(hq, "reviewer"), f"{url}/approve", {}, page=url).status_code == 302
    with hq["app"].app_context():
        assert db.session.get(Crate, hq["world"].crate_ids["ammo2"]).quantity == 1010
