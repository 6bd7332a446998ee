"""Tracing requests end to end through the HQ pages: Nigeria asks Niger through the ECOWAS
Commission; the Commission routes it; Niger's point of contact sees the candidate match of
its register, acknowledges and answers releasing only what it chooses; Nigeria and the
Commission see that answer and nothing else of Niger's register, whose weapon, depot and
crate pages stay 404 to both. Run on PostgreSQL too (TEST_DATABASE_URL)."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from server.db import db
from server.models import Country, TracingRequest
from tests.hq_seed import as_user, post_form
from tests.register_seed import build_register_world, choose_bodies

REQUEST = {"requested_country": "NE", "body": "ECOWAS", "requester_contact": "CNCAL Abuja",
           "type": "assault rifle", "manufacturer": "Kalashnikov Concern", "model": "AKM",
           "calibre": "7.62x39mm", "serial": "AK1OOOO2", "country_of_manufacture": "RU",
           "seizure_place": "Maiduguri", "seizure_date": "2026-11-02",
           "circumstances": "Seized at a checkpoint"}


@pytest.fixture
def reg(app):
    built = build_register_world(app)
    return {"app": app, "world": built.world}


def send(client, **changes):
    return post_form(client, "/hq/tracing", {**REQUEST, **changes}, page="/hq/tracing/new")


def request_id(app) -> str:
    with app.app_context():
        return db.session.scalar(select(TracingRequest.id))


def test_ng_to_ne_through_ecowas(reg):
    app, world = reg["app"], reg["world"]
    ng, ne, body = (as_user(reg, u) for u in ("ng_reviewer", "reviewer", "ecowas"))
    assert send(ng).status_code == 302
    rid = request_id(app)
    page = f"/hq/tracing/{rid}"
    assert "with the regional body" in ng.get(page).get_data(as_text=True)
    assert ne.get(page).status_code == 404  # not received until the body routes it
    assert rid not in ne.get("/hq/tracing").get_data(as_text=True)

    assert body.get("/hq/").status_code == 200
    assert 'href="/hq/tracing"' in body.get("/hq/").get_data(as_text=True)
    assert post_form(body, f"{page}/route", {}, page=page).status_code == 302
    assert post_form(body, f"{page}/route", {}, page=page).status_code == 409

    html = ne.get(page).get_data(as_text=True)
    assert re.search(r'id="tracing-candidates".*?AK100002', html, re.S)
    candidate = re.search(r'name="weapon_id" value="([^"]+)"', html).group(1)
    assert candidate == world.weapons["AK100002"]
    assert post_form(ne, f"{page}/acknowledge", {"contact": "CNCCAI Niamey"},
                     page=page).status_code == 302
    answer = {"outcome": "traced", "weapon_id": candidate, "release": "model",
              "text": "Issued to a unit in 2019; reported missing since."}
    r = ne.post(f"{page}/answer", data={**answer, "release": ["model", "last_movement"],
                                        "csrf_token": csrf(ne, page)})
    assert r.status_code == 302

    with app.app_context():
        req = db.session.get(TracingRequest, rid)
        assert (req.status, req.outcome) == ("answered", "traced")
        assert set(req.released) == {"model", "last_movement"}
        assert req.released["last_movement"]["type"] == "receipt"
        assert req.matched_weapon_id == candidate
        assert req.acknowledge_due_at and req.due_at > req.received_at
    for reader in (ng, body):
        seen = reader.get(page).get_data(as_text=True)
        assert "Issued to a unit in 2019" in seen and "CNCCAI Niamey" in seen
        assert candidate not in seen  # the register's own id never leaves Niger
        assert "tracing-candidates" not in seen

    nmy_crate = world.crates["rifles"]
    for reader in (ng, body):
        for path in (f"/hq/register/weapons/{candidate}", "/hq/depots/NMY",
                     f"/hq/crates/{nmy_crate}", "/hq/depots/NMY/crates"):
            assert reader.get(path).status_code == 404, path
    assert body.get("/hq/register/search?q=AK100002").status_code == 403
    assert as_user(reg, "ng_commander").get(page).status_code == 403  # no tracing role


def csrf(client, page: str) -> str:
    from tests.hq_seed import csrf_from

    return csrf_from(client.get(page).get_data(as_text=True))


def test_only_the_requested_state_answers_and_only_once(reg):
    ng, ne = as_user(reg, "ng_reviewer"), as_user(reg, "reviewer")
    send(ng, body="")  # directly: received at once
    rid = request_id(reg["app"])
    page = f"/hq/tracing/{rid}"
    assert ne.get(page).status_code == 200
    assert post_form(ng, f"{page}/answer", {"outcome": "not_found", "text": "x"},
                     page=page).status_code == 404
    bad = post_form(ne, f"{page}/answer", {"outcome": "traced", "weapon_id": "nope"},
                    page=page)
    assert bad.status_code == 404
    silent = post_form(ne, f"{page}/answer", {"outcome": "not_found"}, page=page)
    assert silent.status_code == 422  # an answer that traces nothing says why
    assert post_form(ne, f"{page}/answer", {"outcome": "not_found", "text": "No record."},
                     page=page).status_code == 302
    assert post_form(ne, f"{page}/answer", {"outcome": "not_found", "text": "Again."},
                     page=page).status_code == 409


def test_a_body_routes_only_between_states_that_chose_it(reg):
    app = reg["app"]
    ng = as_user(reg, "ng_reviewer")
    assert send(ng, body="UNREC").status_code == 422  # Niger did not choose UNREC
    assert request_id(app) is None  # nothing written
    with app.app_context():
        choose_bodies(db.session, "NE", {"ECOWAS": "contested"})
        db.session.commit()
    assert send(ng).status_code == 422  # contested: the sender confirms
    assert send(ng, confirm_contested="true").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(TracingRequest.reference)) == \
            f"NG-TR-{db.session.scalar(select(TracingRequest.sent_at)).year}-0001"
        assert db.session.get(Country, "NE").settings["regional_bodies"]["ECOWAS"] == \
            "contested"


def test_the_report_counts_requests_in_both_languages(reg):
    ng, ne = as_user(reg, "ng_reviewer"), as_user(reg, "reviewer")
    send(ng, body="")
    rid = request_id(reg["app"])
    post_form(ne, f"/hq/tracing/{rid}/answer", {"outcome": "not_found", "text": "No record."},
              page=f"/hq/tracing/{rid}")
    for client, lang, label, value in ((ng, "en", "Tracing requests sent", 1),
                                       (ne, "fr", "Demandes de traçage reçues", 1),
                                       (ne, "fr", "dont répondues (reçues)", 1),
                                       (ne, "fr", "dont répondues (envoyées)", 0)):
        r = client.get(f"/hq/tracing/report.xlsx?lang={lang}")
        assert r.status_code == 200
        sheet = load_workbook(io.BytesIO(r.data)).active
        cells = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2)}
        assert cells[label] == value
    pdf = ne.get("/hq/tracing/report.pdf?lang=fr")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert as_user(reg, "ecowas").get("/hq/tracing/report.xlsx").status_code == 403


def test_the_report_in_arabic_reads_back_with_its_font_embedded(reg):
    import subprocess
    import unicodedata

    from reportlab.pdfbase.pdfmetrics import getFont

    from sync.labels.script import CONTROLS, fonts, visual
    from sync.tracing.reports import WORDS

    ng, ne = as_user(reg, "ng_reviewer"), as_user(reg, "reviewer")
    send(ng, body="")
    sheet = load_workbook(io.BytesIO(ne.get("/hq/tracing/report.xlsx?lang=ar").data)).active
    cells = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2)}
    assert cells["طلبات التعقّب الواردة"] == 1 and sheet.sheet_view.rightToLeft
    pdf = ne.get("/hq/tracing/report.pdf?lang=ar").data
    listing = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True,
                             check=True).stdout.decode()
    embedded = {line.split()[0].split("+")[-1] for line in listing.splitlines()[2:]
                if line.split()[-5:-3] == ["yes", "yes"]}
    assert {"Amiri-Regular", "Amiri-Bold"} <= embedded
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    def bare(line: str) -> str:  # pdftotext drops the vowel marks (shadda, damma)
        return "".join(c for c in unicodedata.normalize("NFKC", CONTROLS.sub("", line))
                       if unicodedata.category(c) != "Mn")
    lines = [bare(line) for line in text.splitlines()]
    assert any(bare("طلبات التعقّب الواردة") in line and " 1 " in f" {line} "
               for line in lines), lines
    assert any(bare("التقرير الوطني عن برنامج العمل") in line for line in lines)
    regular, bold = fonts("ar")
    for word in WORDS["ar"].values():  # every glyph drawn is in the font
        cmap = getFont(regular).face.charToGlyph
        assert [c for c in visual(word, rtl=True) if ord(c) not in cmap] == [], word


def test_photos_sent_with_the_request_on_hq_and_a_fake_one_refuses_it_whole(reg):
    from server.models import Photo
    from tests.imaging import CRATE_JPG, png_bomb

    ng = as_user(reg, "ng_reviewer")
    token = csrf(ng, "/hq/tracing/new")

    def post(*files):
        return ng.post("/hq/tracing", content_type="multipart/form-data", data={
            **REQUEST, "csrf_token": token,
            "photos": [(io.BytesIO(data), name) for data, name in files]})
    for bad in ((b"GIF89a not really", "weapon.jpg"), (png_bomb(), "marks.png"),
                (CRATE_JPG.read_bytes(), "../../etc/passwd")):
        assert post((CRATE_JPG.read_bytes(), "side.jpg"), bad).status_code in (415, 422)
        assert request_id(reg["app"]) is None  # nothing sent, no photo kept
    r = post((CRATE_JPG.read_bytes(), "side.jpg"))
    assert r.status_code == 302
    rid = request_id(reg["app"])
    with reg["app"].app_context():
        (pid,) = db.session.get(TracingRequest, rid).photos
        assert db.session.scalar(select(Photo.filename).where(Photo.id == pid)) == "side.jpg"
        assert len(db.session.scalars(select(Photo.id)).all()) == 1
    page = f"/hq/tracing/{rid}"
    assert f"/hq/tracing/{rid}/photos/{pid}/thumb" in ng.get(page).get_data(as_text=True)
    assert ng.get(f"{page}/photos/{pid}/thumb").mimetype == "image/jpeg"
    assert as_user(reg, "reviewer").get(f"{page}/photos/{pid}").status_code == 404  # not routed
    assert as_user(reg, "ecowas").get(f"{page}/photos/{pid}").status_code == 200
    assert as_user(reg, "ecowas").get(f"/hq/photos/{pid}").status_code == 404
