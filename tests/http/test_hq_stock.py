"""Stock at a glance and the search box: a depot's crate list (filters, sorting and paging in
the URL, bad filters and pages past the end said so), its totals by nature and by HD, the
crate page's weapons table, and search by label (a wrong check character explained), lot,
serial and instance id, each within the reader's scope."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from server.db import db
from server.models import Depot, Submission
from sync.labels.ids import make_label
from sync.stock import inventory
from tests.conftest import fresh_database, make_app
from tests.factories import add_ammo_crate, build_world
from tests.hq_seed import as_user, post_visit

LABEL = re.compile(r'href="/hq/crates/([0-9A-Z-]+)"')


@pytest.fixture(scope="module")
def hq(migrated, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stock")
    app = make_app(fresh_database(migrated, tmp), tmp, HQ_PAGE_SIZE=2)
    with app.app_context():
        world = build_world(db.session)
        nmy = db.session.get(Depot, world.depots["NE-NMY"])
        grenades = inventory.create_item_type(
            db.session, nature="grenade, hand", calibre="F1", type="HE", hazard_division="1.1",
            compatibility_group="F", neq_kg="0.0600")
        lot = inventory.create_lot(db.session, grenades, lot_number="RS-19-044",
                                   manufacturer="Krusik", country_of_manufacture="RS")
        for n, quantity in enumerate((30, 20, 10)):
            add_ammo_crate(db.session, world, f"grenades{n}", nmy, quantity, lot.id,
                           "NE-NMY/B2/A1", "commander")
        zdr = db.session.get(Depot, world.depots["NE-ZDR"])
        add_ammo_crate(db.session, world, "zdr_ball", zdr, 100, world.lots["ball"],
                       "NE-ZDR/B1/A1", "commander")
        db.session.commit()
    visit = post_visit(app.test_client(), world, "inspector", "NMY", None, 0)
    yield {"app": app, "world": world, "instance": visit["instance_id"]}
    with app.app_context():
        db.engine.dispose()


def labels(html: str) -> list[str]:
    return LABEL.findall(html)


def test_the_crate_list_filters_by_hd_sorts_and_pages_in_the_url(hq):
    client, w = as_user(hq, "reviewer"), hq["world"]
    grenades = sorted(w.crates[f"grenades{n}"] for n in range(3))
    first = client.get("/hq/depots/NMY/crates?hd=1.1&sort=quantity&dir=desc")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert labels(html) == [w.crates["grenades0"], w.crates["grenades1"]]  # 30, 20
    assert 'rel="next"' in html and "hd=1.1" in re.search(r'href="([^"]+)" rel="next"',
                                                           html).group(1)
    second = client.get("/hq/depots/NMY/crates?hd=1.1&sort=quantity&dir=desc&page=2")
    assert labels(second.get_data(as_text=True)) == [w.crates["grenades2"]]
    by_building = client.get("/hq/depots/NMY/crates?building=B2&sort=label&page=1")
    assert labels(by_building.get_data(as_text=True)) == grenades[:2]
    rifles = client.get("/hq/depots/NMY/crates?kind=weapon_crate").get_data(as_text=True)
    assert labels(rifles) == [w.crates["rifles"]]
    assert client.get("/hq/depots/NMY/crates?lot=RS-19-044&page=2").status_code == 200


def test_pages_cut_the_whole_list_with_each_crates_weapons_and_the_filters_choices(hq):
    """A page's crates are chosen first and only they are counted: walking the pages gives
    every live crate of the depot once, in order, the weapon crate with its two weapons;
    the filters offer each building, nature, calibre, HD and CG the depot's crates are in."""
    client, w = as_user(hq, "reviewer"), hq["world"]
    rows = []
    for page in (1, 2, 3):
        html = client.get(f"/hq/depots/NMY/crates?sort=label&dir=desc&page={page}").get_data(
            as_text=True)
        rows += re.findall(r'<a href="/hq/crates/([0-9A-Z-]+)">.*?</td>.*?</td>.*?</td>'
                           r"\s*<td>([^<]*)</td>", html, re.S)
    nmy = ("ammo", "rifles", "grenades0", "grenades1", "grenades2")
    assert [label for label, _ in rows] == sorted((w.crates[k] for k in nmy), reverse=True)
    assert dict(rows)[w.crates["rifles"]] == "2 weapons"
    assert "7.62" in dict(rows)[w.crates["ammo"]]
    for name, values in (("building", ["B1", "B2"]), ("hd", ["1.1", "1.4"]),
                         ("cg", ["F", "S"])):
        select_box = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S).group(1)
        assert re.findall(r'<option value="([^"]+)"', select_box) == values, name


@pytest.mark.parametrize(("query", "status", "code"), [
    ("hd=9.9", 422, "invalid_payload"),
    ("status=stolen", 422, "invalid_payload"),
    ("sort=password", 422, "invalid_payload"),
    ("page=0", 422, "invalid_payload"),
    ("hd=1.1&page=3", 404, "page.out_of_range"),
    ("page=99", 404, "page.out_of_range"),
], ids=["bad hd", "bad status", "bad sort", "page zero", "past the end", "far past"])
def test_bad_filters_and_pages_past_the_end_say_so(hq, query, status, code):
    r = as_user(hq, "reviewer").get(f"/hq/depots/NMY/crates?{query}")
    assert r.status_code == status
    assert code in r.get_data(as_text=True)


def test_totals_by_nature_and_hd(hq):
    html = as_user(hq, "reviewer").get("/hq/depots/NMY/crates").get_data(as_text=True)
    nature = re.search(r'id="totals-nature".*?</table>', html, re.S).group(0)
    rows = [re.sub(r"<[^>]+>", " ", r).split() for r in re.findall(r"<tr>(.*?)</tr>", nature)]
    assert ["cartridge", "1", "1000", "—", "1.6"] in rows
    assert ["grenade,", "hand", "3", "60", "—", "3.6"] in rows
    assert ["weapons", "1", "—", "2", "—"] in rows
    hd = re.search(r'id="totals-hd".*?</table>', html, re.S).group(0)
    assert re.search(r"1\.1</a></td><td class=\"num\">3</td><td class=\"num\">60</td>", hd)


def test_an_other_countrys_depot_is_not_found_and_an_inspector_sees_only_their_own(hq):
    assert as_user(hq, "reviewer").get("/hq/depots/KDN/crates").status_code == 404
    assert as_user(hq, "zdr_inspector").get("/hq/depots/NMY/crates").status_code == 404
    assert as_user(hq, "inspector").get("/hq/depots/NMY/crates").status_code == 200


def test_weapon_crates_list_their_weapons_and_no_book_quantity(hq):
    html = as_user(hq, "reviewer").get(
        f"/hq/crates/{hq['world'].crates['rifles']}").get_data(as_text=True)
    table = re.search(r'id="crate-weapons".*?</table>', html, re.S).group(0)
    assert "AK100001" in table and "Kalashnikov Concern" in table and "in store" in table
    assert "Book quantity" not in html
    ammo = as_user(hq, "reviewer").get(f"/hq/crates/{hq['world'].crates['ammo']}")
    assert "Book quantity" in ammo.get_data(as_text=True)


def test_a_serial_opens_its_crate_within_scope(hq):
    w = hq["world"]
    r = as_user(hq, "reviewer").get("/hq/search?q=ak100001")
    assert (r.status_code, r.headers["Location"]) == (303, f"/hq/crates/{w.crates['rifles']}")
    for outsider in ("zdr_inspector", "ng_inspector"):
        r = as_user(hq, outsider).get("/hq/search?q=AK100001")
        assert r.status_code == 200 and 'id="search-none"' in r.get_data(as_text=True)


def test_a_label_typed_or_scanned_opens_its_crate(hq):
    from server.wiring import label_key
    from sync.labels.ids import qr_text

    ammo = hq["world"].crates["ammo"]
    client = as_user(hq, "inspector")
    for typed in (ammo, ammo.lower().replace("-", " "), qr_text(ammo, label_key(
            hq["app"].config))):
        r = client.get("/hq/search", query_string={"q": typed})
        assert (r.status_code, r.headers.get("Location")) == (303, f"/hq/crates/{ammo}")


def test_a_wrong_check_character_is_explained(hq):
    ammo = hq["world"].crates["ammo"]
    good = ammo[-1]
    wrong = next(ch for ch in "0123456789" if ch != good)
    r = as_user(hq, "reviewer").get("/hq/search", query_string={"q": ammo[:-1] + wrong})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="search-problem"' in html
    assert f"the check character, is {wrong}, but the other characters call for {good}" in html
    assert f"the label is {ammo}" in html
    other = make_label("NE", "NMY", 999)  # a well-formed label no crate carries
    r = as_user(hq, "reviewer").get("/hq/search", query_string={"q": other})
    assert 'id="search-none"' in r.get_data(as_text=True)


def test_a_lot_opens_the_crate_list_filtered_by_it(hq):
    r = as_user(hq, "reviewer").get("/hq/search?q=rs-19-044")
    assert (r.status_code, r.headers["Location"]) == (303, "/hq/depots/NMY/crates?lot=RS-19-044")
    html = as_user(hq, "reviewer").get(r.headers["Location"]).get_data(as_text=True)
    assert len(labels(html)) == 2 and "3 crates" in html


def test_a_lot_in_two_depots_is_listed_as_far_as_the_reader_sees(hq):
    html = as_user(hq, "reviewer").get("/hq/search?q=BG-98-117").get_data(as_text=True)
    assert 'id="search-hits"' in html and "lot in 1 crate" in html
    assert "/hq/depots/NMY/crates?lot=BG-98-117" in html
    assert "/hq/depots/ZDR/crates?lot=BG-98-117" in html
    assert "KDN" not in html  # the same lot in Nigeria
    r = as_user(hq, "inspector").get("/hq/search?q=BG-98-117")  # NMY only
    assert r.headers["Location"] == "/hq/depots/NMY/crates?lot=BG-98-117"


def test_an_instance_id_opens_the_inspection_for_those_who_may_read_it(hq):
    with hq["app"].app_context():
        sub_id = db.session.scalar(select(Submission.id).where(
            Submission.instance_id == hq["instance"]))
    bare = hq["instance"].removeprefix("uuid:")
    for user, q in (("reviewer", hq["instance"]), ("inspector", bare)):
        r = as_user(hq, user).get("/hq/search", query_string={"q": q})
        assert (r.status_code, r.headers.get("Location")) == (303, f"/hq/inspections/{sub_id}")
    r = as_user(hq, "zdr_inspector").get("/hq/search", query_string={"q": hq["instance"]})
    assert 'id="search-none"' in r.get_data(as_text=True)


@pytest.mark.parametrize("q", ["x" * 201, "<script>alert(1)</script>", "NE-NMY-\u0000-7",
                               "' OR 1=1 --", "ＮＥ-ＮＭＹ", "%"],
                         ids=["too long", "script", "nul", "sql", "fullwidth", "percent"])
def test_hostile_searches_get_a_page_never_a_500(hq, q):
    r = as_user(hq, "reviewer").get("/hq/search", query_string={"q": q})
    assert "<script>alert(1)" not in r.get_data(as_text=True)
    if "\u0000" in q:  # refused at the door for every page (PostgreSQL cannot hold a NUL)
        assert r.status_code == 400
    elif len(q) > 200:
        assert r.status_code == 422
    else:
        assert r.status_code == 200


def test_every_page_has_the_search_box(hq):
    client = as_user(hq, "inspector")
    for path in ("/hq/inspections", "/hq/devices", "/hq/depots/NMY/crates"):
        assert 'id="search"' in client.get(path).get_data(as_text=True)
