"""Stock checks as planned events on the HQ pages: a team of two with one independent
member, the counts the team sends through ODK Collect become the check's lines and its
accuracy, and the country's check frequencies say what is due or overdue."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from server.db import db
from server.models import Country, StockCheck
from tests.hq_seed import login_as, post_form
from tests.http.sync_helpers import bearer

PAGE = "/hq/stock-checks"


def plan(client, world, **over):
    form = {"depot": "NMY", "kind": "full", "planned_for": date.today().isoformat(),
            "team": [world.users["inspector"], world.users["zdr_inspector"]],
            "independent": world.users["zdr_inspector"], **over}
    return post_form(client, PAGE, form, page=PAGE)


def count(collect, world, quantity: int) -> None:
    ammo = world.crates["ammo"]
    r = collect.send(collect.fill("crate_count", {
        "start": "2026-11-25T09:00:00.000+01:00", "depot": "NMY", "lines": [
            {"label_typed": ammo, "label": ammo, "crate": world.crate_ids["ammo"],
             "crate_label": ammo, "quantity": str(quantity), "lot_number": "BG-98-117",
             "condition": "SERVICEABLE", "seal_intact": "yes"}]}))
    assert r.status_code == 201


@pytest.mark.parametrize(("over", "code"), [
    (lambda u: {"team": []}, "invalid_payload"),
    (lambda u: {"team": [u["zdr_inspector"]]}, "stock_checks.team"),
    (lambda u: {"team": [u["commander"], u["inspector"]], "independent": u["commander"]},
     "stock_checks.team"),
    (lambda u: {"team": [u["inspector"], u["ng_inspector"]], "independent": u["ng_inspector"]},
     "stock_checks.team"),
    (lambda u: {"kind": "guesswork"}, "invalid_payload"),
    (lambda u: {"scope": "B9"}, "invalid_input"),
], ids=["no team", "one person", "independent is depot staff", "another country",
        "unknown type", "unknown building"])
def test_a_check_needs_two_people_one_of_them_independent(app, client, world, over, code):
    login_as(client, "commander")
    r = plan(client, world, **over(world.users))
    assert (r.status_code, code in r.get_data(as_text=True)) == (422, True)
    with app.app_context():
        assert db.session.scalar(select(StockCheck.id)) is None


def test_the_teams_counts_are_the_lines_and_the_accuracy(app, client, collect, world):
    with app.app_context():
        db.session.get(Country, "NE").settings = {"check_frequencies": {"full": 90,
                                                                        "sample": 30}}
        db.session.commit()
    login_as(client, "commander")
    due = client.get(PAGE).get_data(as_text=True)
    assert due.count('<tr class="overdue">') == 2  # never done: NMY full and sample
    r = plan(client, world, blind="true")
    assert r.status_code == 302
    check = r.headers["Location"]
    count(collect, world, 990)  # before the start: not part of the check
    assert post_form(client, f"{check}/start", {}, page=check).status_code == 302
    count(collect, world, 1000)
    assert post_form(client, f"{check}/complete", {}, page=check).status_code == 302
    page = client.get(check).get_data(as_text=True)
    assert 'id="check-accuracy">50.0 %' in page
    assert '<tr class="match">' in page and '<tr class="missed">' in page  # rifles uncounted
    with app.app_context():
        done = db.session.scalar(select(StockCheck))
        assert (done.status, done.blind, done.accuracy) == ("done", True, 50.0)
        assert sorted(line.result for line in done.lines) == ["match", "missed"]
    assert post_form(client, f"{check}/complete", {}, page=check).status_code == 409
    due = client.get(PAGE).get_data(as_text=True)
    assert due.count('<tr class="overdue">') == 1  # full is done, sample is not
    login_as(client, "inspector")
    assert post_form(client, f"{check}/start", {}, page="/hq/inspections").status_code == 403
    login_as(client, "ng_commander")
    assert client.get(check).status_code == 404


def book_figures(collect, client, world) -> dict[str, object]:
    """What the inspector's phone is told of the crates' books, door by door."""
    book = collect.get("/forms/crate_count/attachments/crate_book.csv").data.decode()
    pulled = client.get("/api/v1/sync/pull", headers=bearer(world)).get_json()
    ammo = client.get(f"/api/v1/crates/{world.crates['ammo']}", headers=bearer(world)).json
    rifles = client.get(f"/api/v1/crates/{world.crates['rifles']}",
                        headers=bearer(world)).json
    listed = client.get("/api/v1/depots/NMY/crates", headers=bearer(world)).json["items"]
    return {"crate_book.csv rows": len(book.strip().splitlines()) - 1,
            "pulled": sorted({k for c in pulled["crates"] for k in c} & set(BOOK)),
            "pulled lots": len(pulled["lots"]),
            "crate": sorted(set(ammo) & set(BOOK)), "weapons": "weapons" in rifles,
            "list": sorted({k for c in listed for k in c} & set(BOOK))}


BOOK = ("lot", "quantity", "weapons")


def test_a_blind_counter_is_sent_no_book_figures_until_the_check_is_done(
        app, client, collect, world):
    seen = book_figures(collect, client, world)
    assert seen["crate_book.csv rows"] > 0 and seen["pulled"] == ["lot", "quantity", "weapons"]
    assert seen["weapons"] and seen["crate"] == ["lot", "quantity", "weapons"]
    login_as(client, "commander")
    check = plan(client, world, blind="true").headers["Location"]
    assert book_figures(collect, client, world) == {
        "crate_book.csv rows": 0, "pulled": [], "pulled lots": 0, "crate": [],
        "weapons": False, "list": []}
    manifest = collect.get("/forms/crate_count/manifest").data.decode()
    assert "crate_book.csv" in manifest  # the open form still opens, with nothing in it
    assert post_form(client, f"{check}/start", {}, page=check).status_code == 302
    assert book_figures(collect, client, world)["pulled lots"] == 0
    assert post_form(client, f"{check}/complete", {}, page=check).status_code == 302
    assert book_figures(collect, client, world) == seen


def test_an_open_check_leaves_the_book_figures(client, collect, world):
    seen = book_figures(collect, client, world)
    login_as(client, "commander")
    plan(client, world)
    assert book_figures(collect, client, world) == seen
