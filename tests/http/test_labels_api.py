"""The label API: scanning answers, and the commander's reserve / print / relabel / retire,
with every PDF read back by rasterising it and decoding each QR code."""

import json

import pytest
from sqlalchemy import func, select

from server.db import db
from server.models import Label, LabelPrint
from server.wiring import label_key
from sync.labels.ids import make_label, qr_text
from sync.labels.sheets import LAYOUTS
from tests.pdfcodes import decode_pdf, expected_pages, pdf_text


def bearer(world, user="inspector"):
    return {"Authorization": f"Bearer {world.tokens[user]}"}


def lookup(client, world, value, user="inspector"):
    return client.get(f"/api/v1/labels/{value}", headers=bearer(world, user))


def post(client, world, path, body, user="commander"):
    return client.post(f"/api/v1/depots/{path}", json=body, headers=bearer(world, user))


@pytest.fixture
def key(app):
    return label_key(app.config)


def test_a_scanned_crate_label_tells_which_crate_and_never_its_contents(client, world, key):
    r = lookup(client, world, qr_text(world.crates["rifles"], key))
    assert r.status_code == 200
    assert r.json == {"status": "crate", "label_id": world.crates["rifles"],
                      "signature": "valid", "country": "NE", "depot": "NMY",
                      "crate": {"id": world.crate_ids["rifles"],
                                "label_id": world.crates["rifles"], "depot": "NMY",
                                "kind": "weapon_crate", "status": "in_store",
                                "location": {"building": "B1", "stack": "A2"}, "version": 2}}
    for secret in ("AK100001", "serial", "quantity", "lot", "weapons", "latitude"):
        assert secret not in json.dumps(r.json)
    typed = lookup(client, world, world.crates["rifles"].replace("-", "").lower())
    assert (typed.status_code, typed.json["signature"]) == (200, "absent")


def test_unassigned_retired_and_place_answers(client, world, key):
    reserved = post(client, world, "NMY/labels/reserve", {"count": 2})
    assert reserved.status_code == 201
    blank = reserved.json["first"]
    r = lookup(client, world, qr_text(blank, key))
    assert (r.status_code, r.json["status"], r.json["depot"]) == (200, "unassigned", "NMY")
    assert "crate" not in r.json
    new = post(client, world, f"NMY/labels/{world.crates['ammo']}/relabel",
               {"reason": "label torn", "new_label": blank})
    assert (new.status_code, new.json["label_id"], new.json["replaces"]) == (
        200, blank, world.crates["ammo"])
    r = lookup(client, world, qr_text(world.crates["ammo"], key))
    assert r.status_code == 200
    assert (r.json["status"], r.json["replaced_by"], r.json["reason"]) == (
        "retired", blank, "label torn")
    assert r.json["crate"]["label_id"] == blank
    r = lookup(client, world, "NE-NMY/B1/A1")
    assert r.json == {"status": "location", "country": "NE", "depot": "NMY",
                      "location": {"building": "B1", "stack": "A1"}}


@pytest.mark.parametrize(("value", "status", "code"), [
    ("NE-NMY-000001-X", 422, "labels.bad_check"),
    ("{ammo}.AAAAA", 422, "labels.forged"),
    ("hello", 422, "labels.not_a_label"),
    ("https://evil.example/{ammo}", 422, "labels.not_a_label"),
    ("NE-NMY-000999-{c999}", 404, "not_found"),
    ("{ng_ammo}", 404, "not_found"),
    ("{ng_ammo}.AAAAA", 404, "not_found"),
    ("NE-ZDR-000001-{zdr1}", 404, "not_found"),
], ids=["bad check character", "forged signature", "not a label", "a URL", "unknown",
        "another country", "another country, forged", "depot out of scope"])
def test_scans_that_are_refused_say_why(client, world, value, status, code):
    value = value.format(c999=make_label("NE", "NMY", 999)[-1],
                         zdr1=make_label("NE", "ZDR", 1)[-1], **world.crates)
    r = lookup(client, world, value)
    assert (r.status_code, r.json["error"]["code"]) == (status, code)


def test_another_countrys_labels_are_indistinguishable_from_unknown_ones(client, world, key):
    """For a Niger inspector, a real Nigerian label (signed or forged) answers exactly as a
    Nigerian label that was never issued; and the same the other way round."""
    def answer(value, user):
        r = lookup(client, world, value, user)
        label_id = r.json["error"]["details"].pop("label_id")
        return r.status_code, json.dumps(r.json).replace(label_id, "<id>")

    for user, real, never in (("inspector", world.crates["ng_ammo"],
                               make_label("NG", "KDN", 777_777)),
                              ("ng_inspector", world.crates["ammo"],
                               make_label("NE", "NMY", 777_777))):
        seen = {answer(value, user) for value in (
            real, qr_text(real, key), real + ".AAAAA", never, qr_text(never, key))}
        assert len(seen) == 1 and seen.pop()[0] == 404


@pytest.mark.parametrize(("user", "path", "status"), [
    ("inspector", "NMY/labels/reserve", 403),
    ("reviewer", "NMY/labels/reserve", 403),
    ("inspector", "NMY/labels/print", 403),
    ("inspector", "NMY/labels/{ammo}/retire", 403),
    ("inspector", "NMY/labels/{ammo}/relabel", 403),
    ("ng_commander", "NMY/labels/reserve", 404),
    ("ng_commander", "NMY/labels/print", 404),
    ("commander", "ZDR/labels/reserve", 404),
    ("commander", "KDN/labels/{ng_ammo}/retire", 404),
    ("admin", "ZDR/labels/reserve", 201),
], ids=["inspector reserves", "reviewer reserves", "inspector prints", "inspector retires",
        "inspector relabels", "other country reserves", "other country prints",
        "other depot", "other country's crate", "admin, country-wide"])
def test_only_commanders_of_the_depot_manage_its_labels(client, world, user, path, status):
    action = path.rsplit("/", 1)[1]
    body = {"reserve": {"count": 1}, "print": {"layout": "a4-3x8", "all": True}}.get(
        action, {"reason": "test"})
    r = post(client, world, path.format(**world.crates), body, user)
    assert r.status_code == status, r.json
    if status >= 400:
        assert r.json["error"]["code"] == {403: "auth.forbidden", 404: "not_found"}[status]


SELECTIONS = ["crates", "building", "all", "blank", "range", "signs"]


@pytest.mark.parametrize("kind", SELECTIONS)
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_printed_sheets_decode_to_their_labels(client, world, key, layout, kind):
    skip = 1 if LAYOUTS[layout].per_page > 1 else 0
    body = {"layout": layout, "skip": skip}
    rifles, ammo = world.crates["rifles"], world.crates["ammo"]
    if kind == "crates":
        body["crates"], expected = [rifles, ammo.lower()], [rifles, ammo]
    elif kind == "building":
        body["building"], expected = "B1", [ammo, rifles]
    elif kind == "all":
        body["all"], expected = True, [ammo, rifles]
    elif kind == "blank":
        body["blank"], expected = 3, [make_label("NE", "NMY", s) for s in (3, 4, 5)]
    elif kind == "range":
        reserved = post(client, world, "NMY/labels/reserve", {"count": 4}).json
        body["first"], body["last"] = reserved["first"], reserved["last"]
        expected = reserved["labels"]
    else:
        body["signs"], body["building"] = True, "B2"
        expected = ["NE-NMY/B2/A1", "NE-NMY/B2/A2"]
    r = post(client, world, "NMY/labels/print", body)
    assert r.status_code == 200, r.json
    assert r.mimetype == "application/pdf" and r.headers["Cache-Control"] == "no-store"
    texts = expected if kind == "signs" else [qr_text(label, key) for label in expected]
    assert decode_pdf(r.data, LAYOUTS[layout]) == expected_pages(texts, LAYOUTS[layout], skip)
    assert r.headers["X-Labels-Count"] == str(len(expected))


def test_reprints_are_marked_counted_and_logged(client, world, app):
    body = {"layout": "a4-2x7", "crates": [world.crates["ammo"]], "lang": "en"}
    first = post(client, world, "NMY/labels/print", body)
    second = post(client, world, "NMY/labels/print", body, user="admin")
    assert (first.headers["X-Labels-Reprints"], second.headers["X-Labels-Reprints"]) == (
        "0", "1")
    assert "REPRINT" not in pdf_text(first.data)[0]
    assert "REPRINT 1" in pdf_text(second.data)[0] and "Labelled" in pdf_text(second.data)[0]
    with app.app_context():
        rows = db.session.execute(select(LabelPrint.print_no, LabelPrint.user_id,
                                         LabelPrint.device_id).order_by(LabelPrint.id)).all()
    assert [tuple(r) for r in rows] == [
        (1, world.users["commander"], world.devices["commander"]),
        (2, world.users["admin"], world.devices["admin"])]


def test_unsigned_sheets_hold_the_bare_label_id(client, world):
    r = post(client, world, "NMY/labels/print",
             {"layout": "thermal-100x50", "crates": [world.crates["ammo"]], "signed": False})
    assert decode_pdf(r.data, LAYOUTS["thermal-100x50"]) == [{0: world.crates["ammo"]}]


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"layout": "letter", "all": True}, 422, "invalid_payload"),
    ({"layout": "a4-3x8", "all": True, "skip": 24}, 422, "invalid_input"),
    ({"layout": "thermal-100x50", "all": True, "skip": 1}, 422, "invalid_input"),
    ({"layout": "a4-3x8", "all": True, "blank": 2}, 422, "invalid_input"),
    ({"layout": "a4-3x8"}, 422, "invalid_input"),
    ({"layout": "a4-3x8", "first": "NE-NMY-000001-3"}, 422, "invalid_payload"),
    ({"layout": "a4-3x8", "crates": ["NE-NMY-000001-X"]}, 422, "labels.bad_check"),
    ({"layout": "a4-3x8", "building": "B9"}, 404, "not_found"),
    ({"layout": "a4-3x8", "lang": "de", "all": True}, 422, "invalid_payload"),
    ({"layout": "a4-3x8", "all": True, "colour": "red"}, 422, "invalid_payload"),
], ids=["unknown layout", "skip a whole sheet", "skip on a roll", "two choices", "no choice",
        "half a range", "typo in a label", "unknown building", "German", "unknown field"])
def test_bad_print_requests_are_refused_and_record_nothing(client, world, app, body, status,
                                                           code):
    r = post(client, world, "NMY/labels/print", body)
    assert (r.status_code, r.json["error"]["code"]) == (status, code)
    with app.app_context():
        assert db.session.scalar(select(func.count(LabelPrint.id))) == 0


def test_a_sheet_too_big_for_one_request_is_refused(client, world, app):
    app.config["LABELS_MAX_PER_PDF"] = 1
    r = post(client, world, "NMY/labels/print", {"layout": "a4-3x8", "all": True})
    assert (r.status_code, r.json["error"]["code"]) == (422, "labels.too_many")


def test_a_failed_render_records_no_print(client, world, app, monkeypatch):
    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("server.api.labels.render_pdf", broken)
    r = post(client, world, "NMY/labels/print", {"layout": "a4-3x8", "blank": 5})
    assert r.status_code == 500
    with app.app_context():
        assert db.session.scalar(select(func.count(LabelPrint.id))) == 0
        assert db.session.scalar(select(func.count(Label.label_id))) == 3  # the crates'


def test_retire_and_list_through_the_api(client, world, key):
    r = post(client, world, f"NMY/labels/{world.crates['ammo']}/retire", {"reason": "emptied"})
    assert (r.status_code, r.json["error"]["code"]) == (409, "labels.crate_not_empty")
    blanks = post(client, world, "NMY/labels/reserve", {"count": 3}).json["labels"]
    r = post(client, world, f"NMY/labels/{blanks[0]}/retire", {"reason": "sheet spoiled"})
    assert (r.status_code, r.json["status"], r.json["reason"]) == (200, "retired",
                                                                   "sheet spoiled")
    again = post(client, world, f"NMY/labels/{blanks[0]}/retire", {"reason": "again"})
    assert (again.status_code, again.json["error"]["code"]) == (409, "labels.retired")
    scanned = lookup(client, world, qr_text(blanks[0], key)).json
    assert (scanned["status"], scanned.get("replaced_by")) == ("retired", None)
    listed = client.get("/api/v1/depots/NMY/labels?status=reserved&limit=1",
                        headers=bearer(world, "commander"))
    assert [i["label_id"] for i in listed.json["items"]] == [blanks[1]]
    rest = client.get(f"/api/v1/depots/NMY/labels?status=reserved&after={listed.json['next']}",
                      headers=bearer(world, "commander"))
    assert [i["label_id"] for i in rest.json["items"]] == [blanks[2]]
    assert rest.json["next"] is None
    assert client.get("/api/v1/depots/NMY/labels", headers=bearer(world)).status_code == 403


def test_relabel_refusals(client, world):
    taken = post(client, world, f"NMY/labels/{world.crates['ammo']}/relabel",
                 {"reason": "torn", "new_label": world.crates["rifles"]})
    assert (taken.status_code, taken.json["error"]["code"]) == (409, "labels.taken")
    typo = post(client, world, f"NMY/labels/{world.crates['ammo']}/relabel",
                {"reason": "torn", "new_label": "NE-NMY-000002-X"})
    assert (typo.status_code, typo.json["error"]["code"]) == (422, "labels.bad_check")
    empty = post(client, world, f"NMY/labels/{world.crates['ammo']}/relabel", {"reason": ""})
    assert (empty.status_code, empty.json["error"]["code"]) == (422, "invalid_payload")
    elsewhere = post(client, world, f"NMY/labels/{world.crates['ng_ammo']}/relabel",
                     {"reason": "torn"})
    assert (elsewhere.status_code, elsewhere.json["error"]["code"]) == (404, "not_found")
