"""Tracing requests over the JSON API, by device and API tokens, with the HQ pages' rules:
Nigeria sends through the ECOWAS Commission with photos of the weapon; the Commission's
token routes it; Niger's officer sees the candidate match, acknowledges, answers releasing
only what it names; Nigeria and the Commission read the answer and the photos and nothing
else of Niger's register, whose weapons, depots and crates stay out of their reach. Photos
that are not images, bombs or too big are refused with nothing written. Run on PostgreSQL
too (TEST_DATABASE_URL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from server.db import db, utcnow
from server.models import Photo, TracingRequest, User
from sync.journal.trail import SYSTEM
from sync.people import accounts
from tests.imaging import CRATE_JPG, encoded, png_bomb, png_header_only, random_bytes
from tests.register_seed import build_register_world

WEAPON = {"type": "assault rifle", "manufacturer": "Kalashnikov Concern", "model": "AKM",
          "calibre": "7.62x39mm", "serial": "AK1OOOO2", "country_of_manufacture": "RU"}
REQUEST = {"requested_country": "NE", "body": "ECOWAS", "requester_contact": "CNCAL Abuja",
           "requested_answer_by": "2027-01-15", "weapon": WEAPON,
           "context": {"seizure_place": "Maiduguri", "seizure_date": "2026-11-02",
                       "circumstances": "Seized at a checkpoint"}}


@pytest.fixture
def api(app, client):
    world = build_register_world(app).world
    with app.app_context():
        ecowas = db.session.get(User, world.users["ecowas"])
        world.tokens["ecowas"] = accounts.enroll_device(db.session, ecowas, actor=SYSTEM,
                                                        now=utcnow()).token
        db.session.commit()

    def call(user: str, method: str, path: str, body=None, **kw):
        headers = {"Authorization": f"Bearer {world.tokens[user]}", **kw.pop("headers", {})}
        if body is not None and not isinstance(body, bytes):
            kw["json"] = body
        elif body is not None:
            kw["data"] = body
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kw)
    return {"app": app, "world": world, "call": call}


def sent(api, **changes) -> str:
    r = api["call"]("ng_reviewer", "POST", "/tracing/requests", {**REQUEST, **changes})
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_ng_to_ne_through_ecowas_over_the_api(api):
    call, world = api["call"], api["world"]
    rid = sent(api)
    one = f"/tracing/requests/{rid}"
    photo = call("ng_reviewer", "POST", f"{one}/photos", CRATE_JPG.read_bytes(),
                 content_type="image/jpeg")
    assert photo.status_code == 201 and photo.json["content_type"] == "image/jpeg"
    again = call("ng_reviewer", "POST", f"{one}/photos", CRATE_JPG.read_bytes(),
                 content_type="image/jpeg")
    assert (again.status_code, again.json["id"]) == (200, photo.json["id"])  # a retry adds none
    pid = photo.json["id"]
    with api["app"].app_context():
        assert db.session.scalars(select(Photo.id)).all() == [pid]

    shown = call("ng_reviewer", "GET", one).json
    assert (shown["status"], shown["body"], shown["candidates"]) == ("with_body", "ECOWAS", [])
    assert shown["requested_answer_by"].startswith("2027-01-15T23:59:59")
    assert [p["id"] for p in shown["photos"]] == [pid]
    assert call("reviewer", "GET", one).status_code == 404  # not received until routed
    assert call("reviewer", "GET", "/tracing/requests?box=received").json["requests"] == []

    carried = call("ecowas", "GET", "/tracing/requests?box=carried").json["requests"]
    assert [r["id"] for r in carried] == [rid]
    assert call("ecowas", "GET", "/tracing/requests?box=sent").json["requests"] == []
    assert call("ecowas", "POST", f"{one}/route").json["status"] == "received"
    again = call("ecowas", "POST", f"{one}/route")
    assert (again.status_code, again.json["error"]["code"]) == (409, "tracing.wrong_step")
    assert call("ng_reviewer", "POST", f"{one}/route").status_code == 403

    got = call("reviewer", "GET", one).json
    assert got["candidates"][0]["weapon"]["serial"] == "AK100002"
    assert got["candidates"][0]["weapon"]["id"] == world.weapons["AK100002"]
    assert got["due_at"] and got["acknowledge_due_at"] and not got["overdue"]
    assert call("reviewer", "GET", f"{one}/photos/{pid}").data == CRATE_JPG.read_bytes()
    ack = call("reviewer", "POST", f"{one}/acknowledge", {"contact": "CNCCAI Niamey"})
    assert ack.json["status"] == "acknowledged"
    bad = call("reviewer", "POST", f"{one}/answer", {
        "outcome": "traced", "weapon_id": world.weapons["AK100002"], "release": ["depot"]})
    assert (bad.status_code, bad.json["error"]["code"]) == (422, "invalid_input")
    answer = call("reviewer", "POST", f"{one}/answer", {
        "outcome": "traced", "weapon_id": world.weapons["AK100002"],
        "release": ["model", "last_movement"], "text": "Issued to a unit in 2019."})
    assert answer.status_code == 200 and answer.json["status"] == "answered"

    for reader in ("ng_reviewer", "ecowas"):
        seen = call(reader, "GET", one)
        assert seen.json["released"]["model"] == "AKM", reader
        assert set(seen.json["released"]) == {"model", "last_movement"}
        assert seen.json["answer_contact"] == "CNCCAI Niamey"
        assert seen.json["candidates"] == []
        assert world.weapons["AK100002"] not in json.dumps(seen.json)  # Niger's id stays home
        thumb = call(reader, "GET", f"{one}/photos/{pid}/thumbnail")
        assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
        assert call(reader, "POST", f"{one}/answer", {"outcome": "not_found", "text": "x"}
                    ).status_code in (403, 404)
    assert call("ng_reviewer", "POST", f"{one}/photos", encoded("PNG")).status_code == 409


def test_a_regional_token_reaches_no_register_depot_or_inspection(api):
    call, world = api["call"], api["world"]
    sent(api)
    weapon, crate = world.weapons["AK100002"], world.crates["rifles"]
    for path, statuses in ((f"/register/weapons/{weapon}", (404,)),
                           ("/register/search?q=AK100002", (403,)),
                           (f"/crates/{crate}", (404,)), ("/depots/NMY/crates", (403, 404)),
                           ("/conflicts", (403,)), ("/discrepancies", (403,)),
                           ("/sync/pull", (403,)), ("/losses", (403,))):
        r = call("ecowas", "GET", path)
        assert r.status_code in statuses, (path, r.status_code, r.json)
    depots = call("ecowas", "GET", "/depots")
    assert depots.status_code == 403 or depots.json.get("depots") == [], depots.json
    for user in ("ecowas", "ng_reviewer"):  # nor does Nigeria reach Niger's weapon
        assert call(user, "GET", f"/register/weapons/{weapon}").status_code == 404
    assert call("ecowas", "POST", "/tracing/requests", REQUEST).status_code == 403


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"not an image at all", 415, "photos.not_an_image"),
    (random_bytes(4096), 415, "photos.not_an_image"),
    (png_header_only(60_000, 60_000), 422, "photos.too_many_pixels"),
    (png_bomb(), 422, "photos.too_many_pixels"),
    (CRATE_JPG.read_bytes()[:400], 422, "photos.corrupt_image"),
], ids=["text", "random bytes", "huge header", "pixel bomb", "truncated jpeg"])
def test_a_photo_that_is_not_one_is_refused_and_nothing_is_written(api, body, status, code):
    rid = sent(api)
    r = api["call"]("ng_reviewer", "POST", f"/tracing/requests/{rid}/photos", body,
                    content_type="image/jpeg")
    assert (r.status_code, r.json["error"]["code"]) == (status, code)
    with api["app"].app_context():
        assert db.session.get(TracingRequest, rid).photos == []
        assert db.session.scalar(select(func.count(Photo.id))) == 0


def test_photos_too_big_gzipped_or_attached_by_another_state_are_refused(api):
    call, app = api["call"], api["app"]
    rid = sent(api, body="")  # directly: Niger sees it at once
    path = f"/tracing/requests/{rid}/photos"
    app.config["UPLOAD_MAX_SIZE"] = 1000
    big = call("ng_reviewer", "POST", path, CRATE_JPG.read_bytes() + b"\0" * 2000)
    assert big.status_code == 413
    app.config["UPLOAD_MAX_SIZE"] = 64 * 1024 * 1024
    zipped = call("ng_reviewer", "POST", path, b"\x1f\x8b", headers={"Content-Encoding": "gzip"})
    assert (zipped.status_code, zipped.json["error"]["code"]) == (415, "unsupported_encoding")
    other = call("reviewer", "POST", path, CRATE_JPG.read_bytes())
    assert (other.status_code, other.json["error"]["code"]) == (403, "auth.forbidden")
    with app.app_context():
        assert db.session.get(TracingRequest, rid).photos == []


def test_a_request_shows_its_own_photos_and_no_other(api):
    call = api["call"]
    first, second = sent(api, body=""), sent(api, body="")
    pid = call("ng_reviewer", "POST", f"/tracing/requests/{first}/photos",
               CRATE_JPG.read_bytes()).json["id"]
    assert call("reviewer", "GET", f"/tracing/requests/{first}/photos/{pid}").status_code == 200
    for user in ("reviewer", "ng_reviewer"):
        assert call(user, "GET", f"/tracing/requests/{second}/photos/{pid}").status_code == 404
    # the photo belongs to no depot: the general photo door shows it to nobody else
    assert call("reviewer", "GET", f"/photos/{pid}").status_code == 404
    assert call("ng_inspector", "GET", f"/tracing/requests/{first}").status_code == 403


@pytest.mark.parametrize(("changes", "status", "code"), [
    ({"weapon": {"manufacturer": "Kalashnikov Concern"}}, 422, "invalid_payload"),
    ({"requested_country": "NG"}, 422, "invalid_input"),
    ({"requested_country": "ZZ"}, 422, "invalid_input"),
    ({"body": "UNREC"}, 422, "tracing.body_not_chosen"),
    ({"requested_answer_by": "10000-01-01"}, 422, "invalid_payload"),
    ({"weapon": {**WEAPON, "serial": "‮AK\u200f47 ☃" * 5}}, 201, None),
], ids=["no serial", "to itself", "unknown state", "body niger did not choose",
        "absurd date", "odd unicode serial"])
def test_bad_requests_get_a_stable_code_and_write_nothing(api, changes, status, code):
    r = api["call"]("ng_reviewer", "POST", "/tracing/requests", {**REQUEST, **changes})
    assert r.status_code == status, r.json
    if code:
        assert r.json["error"]["code"] == code
    with api["app"].app_context():
        assert db.session.scalar(select(func.count(TracingRequest.id))) == (status == 201)


def test_the_boxes_and_a_box_that_is_not_one(api):
    call = api["call"]
    rid = sent(api, body="")
    assert [r["id"] for r in call("ng_reviewer", "GET", "/tracing/requests?box=sent")
            .json["requests"]] == [rid]
    assert call("ng_reviewer", "GET", "/tracing/requests?box=received").json["requests"] == []
    assert [r["id"] for r in call("reviewer", "GET", "/tracing/requests").json["requests"]] \
        == [rid]
    assert call("reviewer", "GET", "/tracing/requests?box=outbox").status_code == 422
