"""The programme through the HQ pages: a national administrator releases Niger's quarters to
UNREC (audited; a second release of the same quarter, an unfinished quarter, an unknown body
are refused); UNREC's officer reads Niger's released figures and nothing of Nigeria's (released
to another partner), gets 404 on every Niger record page and 403 on the national pages; a
withdrawal from a quarter on takes back that quarter and the later ones only; the national and
regional reports download as PDF and XLSX in French and English (and Arabic)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from server.db import db, utcnow
from server.models import AuditEvent, IndicatorRelease
from sync.journal.trail import SYSTEM
from sync.people import accounts
from sync.programme.releases import release_indicators
from tests.factories import password_hash
from tests.hq_seed import as_user, post_form, seeded_app
from tests.programme_seed import build_programme, principal

PAGE = "/hq/programme/releases"


@pytest.fixture(scope="module")
def hq(migrated, tmp_path_factory):
    app, world, seeded = seeded_app(migrated, tmp_path_factory.mktemp("programme"))
    with app.app_context():
        build_programme(db.session, world)
        for code, name in (("UNREC", "Centre régional des Nations unies"),
                           ("MAG", "Mines Advisory Group")):
            accounts.create_body(db.session, code, name, kind="partner", actor=SYSTEM,
                                 now=utcnow())
            user = accounts.create_user(db.session, f"{code.lower()}_officer", role="partner",
                                        body_code=code, actor=SYSTEM, now=utcnow())
            user.password_hash = password_hash()
            world.users[user.username] = user.id
        # Nigeria shares with MAG only
        release_indicators(db.session, principal(db.session, world, "ng_admin"), "MAG",
                           "2026Q3", challenges="Accès difficile au nord", now=utcnow())
        db.session.commit()
    yield {"app": app, "world": world, "s": seeded}
    with app.app_context():
        db.engine.dispose()


def release(client, period: str, body: str = "UNREC", challenges: str = ""):
    return post_form(client, PAGE, {"body": body, "period": period,
                                    "challenges": challenges}, page=PAGE)


def test_the_admin_releases_a_finished_quarter_once(hq):
    admin = as_user(hq, "admin")
    assert release(admin, "2026Q2").status_code == 302
    assert release(admin, "2026Q3", challenges="Saison des pluies <b>").status_code == 302
    again = release(admin, "2026Q3")
    assert again.status_code == 409
    assert release(admin, "2026Q4").status_code == 422  # not over on 1 December 2026
    assert release(admin, "2026Q7").status_code == 422
    assert release(admin, "2026Q1", body="NOBODY").status_code == 404
    page = admin.get(PAGE).get_data(as_text=True)
    assert "2026Q3" in page and "UNREC" in page
    with hq["app"].app_context():
        actions = db.session.scalars(select(AuditEvent.details).where(
            AuditEvent.action == "indicators.release", AuditEvent.country_code == "NE"))
        assert sorted(d["period"] for d in actions) == ["2026Q2", "2026Q3"]
    reviewer = as_user(hq, "reviewer")
    assert reviewer.get(PAGE).status_code == 200
    assert release(reviewer, "2026Q1").status_code == 403


def test_the_partner_reads_what_niger_released_and_nothing_of_nigeria(hq):
    partner = as_user(hq, "unrec_officer")
    page = partner.get("/hq/programme/released?period=2026Q3")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<th class=\"num\">NE</th>" in html and "<th class=\"num\">NG</th>" not in html
    assert "50.0 %" in html  # one of Niger's two depots has a current plan
    for secret in ("NMY", "ZDR", "Issa Moussa", "Nigeria", "Accès difficile"):
        assert secret not in html, secret
    assert 'id="released-link"' in partner.get("/hq/").get_data(as_text=True)


def test_the_partner_gets_404_on_every_niger_record_page(hq):
    w, s = hq["world"], hq["s"]
    partner = as_user(hq, "unrec_officer")
    for url in ("/hq/depots/NMY", f"/hq/crates/{w.crates['ammo']}",
                f"/hq/inspections/{s.submission_id}", "/hq/visits/V1", "/hq/findings/F1",
                f"/hq/discrepancies/{s.discrepancy_id}", f"/hq/conflicts/{s.conflict_ids[0]}"):
        assert partner.get(url).status_code == 404, url
    for url in ("/hq/programme/", "/hq/programme/cascade", PAGE,
                "/hq/programme/national.pdf?period=2026Q3"):
        assert partner.get(url).status_code == 403, url


def test_a_country_user_reads_no_partners_page(hq):
    reviewer = as_user(hq, "reviewer")
    assert reviewer.get("/hq/programme/released").status_code == 403
    assert reviewer.get("/hq/programme/regional.pdf?period=2026Q3").status_code == 403


def test_reports_download_in_both_languages(hq):
    reviewer, partner = as_user(hq, "reviewer"), as_user(hq, "unrec_officer")
    for lang, title in (("fr", "Indicateurs"), ("en", "Indicators")):
        pdf = reviewer.get(f"/hq/programme/national.pdf?period=2026Q3&lang={lang}")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        book = load_workbook(io.BytesIO(reviewer.get(
            f"/hq/programme/national.xlsx?period=2026Q3&lang={lang}").data))
        assert book.sheetnames[0] == title
        assert book.sheetnames[-1] == "PoA"
    for url in ("/hq/programme/national.pdf?period=2026Q3&lang=ar",):  # Arabic, in Amiri
        pdf = reviewer.get(url)
        assert pdf.status_code == 200 and b"Amiri" in pdf.data
    assert partner.get("/hq/programme/regional.pdf?period=2026Q3&lang=ar").status_code == 200
    book = load_workbook(io.BytesIO(partner.get(
        "/hq/programme/regional.xlsx?period=2026Q3&lang=en").data))
    balance = [list(r) for r in book["Balance sheet"].iter_rows(values_only=True)]
    assert balance[0] == ["Indicator", "NE"]
    assert ["Depots", 2] in balance
    countries = [list(r) for r in book["Countries"].iter_rows(values_only=True)]
    assert countries[1][-1] == "Saison des pluies <b>"
    assert partner.get("/hq/programme/regional.pdf?period=2026Q3").data.startswith(b"%PDF")


def test_the_dashboard_shows_the_country_by_quarter(hq):
    reviewer = as_user(hq, "reviewer")
    html = reviewer.get("/hq/programme/?period=2026Q3").get_data(as_text=True)
    assert all(q in html for q in ("2025Q4", "2026Q1", "2026Q2", "2026Q3"))
    assert "NMY" in html and 'id="shares-chart"' in html
    assert reviewer.get("/hq/programme/?period=Q3-2026").status_code == 422
    staff = reviewer.get("/hq/programme/staff").get_data(as_text=True)
    # S2's operator course needed a refresher in August: only supervisor is held now
    assert "Adj Aïcha Boubacar" in staff and "supervisor, operator" not in staff
    assert "<td class=\"held\">supervisor</td>" in staff
    cascade = reviewer.get("/hq/programme/cascade").get_data(as_text=True)
    assert "Formation de formateurs PSSM" in cascade and "Cne Issa Moussa" in cascade


def test_a_withdrawal_takes_back_that_quarter_and_later_ones(hq):
    admin, partner = as_user(hq, "admin"), as_user(hq, "unrec_officer")
    assert post_form(admin, "/hq/programme/releases/withdraw",
                     {"body": "UNREC", "period": "2026Q3"}, page=PAGE).status_code == 302
    html = partner.get("/hq/programme/released").get_data(as_text=True)
    assert "2026Q3" not in html and "2026Q2" in html
    assert partner.get("/hq/programme/released?period=2026Q3").status_code == 200
    assert post_form(admin, "/hq/programme/releases/withdraw",
                     {"body": "UNREC", "period": "2026Q3"}, page=PAGE).status_code == 404
    with hq["app"].app_context():
        kept = db.session.scalars(select(IndicatorRelease.period).where(
            IndicatorRelease.country_code == "NE",
            IndicatorRelease.withdrawn_at.is_(None))).all()
        assert kept == ["2026Q2"]
    # released again after the withdrawal: a new release, frozen anew
    assert release(admin, "2026Q3").status_code == 302
