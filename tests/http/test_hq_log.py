"""What the read-only HQ pages show: the inspection log's filters, sorting and paging (all in
the URL), an inspection's page, exports as filtered, the dashboard, the crate page, and text
from phones shown inert. One database for the module, filled through the doors."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from server.db import db
from server.models import AuditEvent, Submission
from sync.views import inspection_log, questions
from tests.hq_seed import SCRIPT, as_user, post_form, post_visit, seeded_app
from tests.http.sync_helpers import Phone, bearer

ROW = re.compile(r'href="/hq/inspections/([0-9a-f-]{36})"')


@pytest.fixture(scope="module")
def hq(migrated, tmp_path_factory):
    app, world, seeded = seeded_app(migrated, tmp_path_factory.mktemp("log"))
    client = app.test_client()
    zdr = post_visit(client, world, "zdr_inspector", "ZDR", None, 0,
                     text="=HYPERLINK(\"http://evil.example\")")
    r = client.post("/api/v1/submissions", headers=bearer(world, "inspector"), json={
        "instance_id": "uuid:flagged-1", "form_id": "crate_count", "visit_type": "=1+1",
        "answers": {"note": "no depot named"}})
    assert r.status_code == 201
    edit = client.post("/api/v1/submissions", headers=bearer(world, "inspector"), json={
        "instance_id": "uuid:edit-1", "form_id": "pssm_inspection", "depot": "NMY",
        "deprecated_id": seeded.instance_id, "answers": {"f1": {"fence_intact": "no"}}})
    assert edit.status_code == 201
    hostile = client.post("/api/v1/submissions", headers=bearer(world, "inspector"), json={
        "instance_id": "uuid:hostile", "form_id": "pssm_inspection", "depot": "NMY",
        "answers": {"<img src=x onerror=alert(1)>": {"<b>": SCRIPT}}})
    assert hostile.status_code == 201
    rifles_serials(app, client, world)
    with app.app_context():
        ids = {s.instance_id: s.id for s in db.session.scalars(select(Submission))}
        zdr_sub = db.session.get(Submission, ids[zdr["instance_id"]])
        # received late on 15 January, UTC: already the 16th in Niger (UTC+1)
        zdr_sub.received_at = datetime(2026, 1, 15, 23, 30, tzinfo=UTC)
        db.session.commit()
    yield {"app": app, "world": world, "s": seeded, "ids": ids, "zdr": ids[zdr["instance_id"]],
           "flagged": ids["uuid:flagged-1"], "edit": ids["uuid:edit-1"],
           "hostile": ids["uuid:hostile"]}
    with app.app_context():
        db.engine.dispose()


def rifles_serials(app, client, world):
    """A weapon count that finds one serial missing and one unknown (restricted lists)."""
    from server.models import Crate

    with app.app_context():
        crate = db.session.scalar(select(Crate).where(Crate.label_id == world.crates["rifles"]))
        crate_id, version = crate.id, crate.version
    phone = Phone(client, world)
    phone.push([phone.op(crate_id, "count", {"serials": ["AK100001", "AK999999"]},
                         base_version=version)])


def listed(client, query: str = "") -> list[str]:
    r = client.get(f"/hq/inspections{query}")
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return ROW.findall(r.get_data(as_text=True))


def names(hq) -> dict[str, str]:
    return {"visit": hq["s"].submission_id, "zdr": hq["zdr"], "flagged": hq["flagged"],
            "edit": hq["edit"], "hostile": hq["hostile"]}


def test_the_log_lists_what_the_reader_may_see(hq):
    ids = names(hq)
    assert set(listed(as_user(hq, "reviewer"))) == set(ids.values())
    assert set(listed(as_user(hq, "inspector"))) == {  # their own only
        ids["visit"], ids["flagged"], ids["edit"], ids["hostile"]}
    assert listed(as_user(hq, "zdr_inspector")) == [hq["zdr"]]
    assert set(listed(as_user(hq, "commander"))) == {ids["visit"], ids["edit"],
                                                     ids["hostile"]}
    assert listed(as_user(hq, "ng_commander")) == [hq["s"].ng_submission_id]


@pytest.mark.parametrize(("query", "expected"), [
    ("?depot=ZDR", {"zdr"}),
    ("?depot=nmy", {"visit", "edit", "hostile"}),
    ("?form=crate_count", {"flagged"}),
    ("?inspector={zdr_user}", {"zdr"}),
    ("?status=discrepancies", {"visit"}),
    ("?status=photos_missing", {"visit"}),
    ("?status=flagged", {"flagged"}),
    ("?status=replaced", {"visit"}),
    ("?status=conflicts", set()),
    ("?from=2026-01-16&to=2026-01-16", {"zdr"}),
    ("?from=2026-01-15&to=2026-01-15", set()),
    ("?to=2026-02-01", {"zdr"}),
    ("?depot=NMY&status=discrepancies&from=2026-02-01", {"visit"}),
    ("?depot=&form=&status=", {"visit", "zdr", "flagged", "edit", "hostile"}),
    ("?utm_source=mail", {"visit", "zdr", "flagged", "edit", "hostile"}),
], ids=["depot", "depot lower case", "form", "inspector", "discrepancies", "photos missing",
        "flagged", "replaced", "conflicts", "local day", "UTC day is not the local day",
        "until", "combined", "empty fields", "unknown argument ignored"])
def test_filters(hq, query, expected):
    query = query.format(zdr_user=hq["world"].users["zdr_inspector"])
    assert set(listed(as_user(hq, "reviewer"), query)) == {names(hq)[n] for n in expected}


@pytest.mark.parametrize("query", ["?status=bogus", "?from=yesterday", "?inspector=x",
                                   "?sort=password", "?page=0"])
def test_bad_filters_are_a_clear_422(hq, query):
    r = as_user(hq, "reviewer").get(f"/hq/inspections{query}")
    assert r.status_code == 422 and "not valid" in r.get_data(as_text=True)


def test_sorting_and_paging_travel_in_the_url(hq):
    client = as_user(hq, "reviewer")
    by_depot = listed(client, "?sort=depot&dir=asc")
    assert by_depot[-2:] == [hq["zdr"], hq["flagged"]]  # no depot sorts last either way
    assert listed(client, "?sort=depot&dir=desc")[:1] + listed(
        client, "?sort=depot&dir=desc")[-1:] == [hq["zdr"], hq["flagged"]]
    hq["app"].config["HQ_PAGE_SIZE"] = 3
    try:
        page1 = client.get("/hq/inspections?sort=received&dir=desc").get_data(as_text=True)
        page2 = listed(client, "?sort=received&dir=desc&page=2")
        assert "Page 1 of 2" in page1 and len(ROW.findall(page1)) == 3 and len(page2) == 2
        assert 'href="/hq/inspections?sort=received&amp;dir=desc&amp;page=2"' in page1
        assert set(ROW.findall(page1)) | set(page2) == set(names(hq).values())
        past = client.get("/hq/inspections?page=99")  # past the end: said so, not page 1
        assert past.status_code == 404 and "page.out_of_range" in past.get_data(as_text=True)
    finally:
        hq["app"].config["HQ_PAGE_SIZE"] = 50
    page = client.get("/hq/inspections?depot=ZDR&status=flagged").get_data(as_text=True)
    assert 'href="/hq/exports/inspections.csv?depot=ZDR&amp;status=flagged"' in page
    assert '<option value="ZDR" selected>' in page



def test_a_capped_count_says_more_than_and_next_still_reaches_the_last_row(hq, monkeypatch):
    monkeypatch.setattr(inspection_log, "COUNT_CAP", 2)
    client = as_user(hq, "reviewer")
    hq["app"].config["HQ_PAGE_SIZE"] = 2
    try:
        first = client.get("/hq/inspections").get_data(as_text=True)
        assert "Page 1 of more than 1 · more than 2 inspections" in first
        assert "narrow the filters for an exact total" in first
        walked, url = [], "/hq/inspections"
        while url:
            page = client.get(url).get_data(as_text=True)
            walked += ROW.findall(page)
            found = re.search(r'href="([^"]+)" rel="next"', page)
            url = found and found.group(1).replace("&amp;", "&")
        assert sorted(walked) == sorted(names(hq).values())  # five rows, each once
        assert "Page 3 of 3 · 5 inspections" in page  # exact on the last page
        assert post_form(client, "/hq/language", {"language": "fr"}).status_code == 302
        french = client.get("/hq/inspections").get_data(as_text=True)
        assert "Page 1 sur plus de 1 · plus de 2 inspections" in french
    finally:
        hq["app"].config["HQ_PAGE_SIZE"] = 50
        post_form(client, "/hq/language", {"language": "en"})

@pytest.fixture
def labels():
    """A form registry's labels, in both languages, as the forms door will register them."""
    def source(session, form_id, version):
        if form_id != "pssm_inspection":
            return None
        return {"f1/fence_intact": questions.Question(
                    {"en": "Is the perimeter fence intact?",
                     "fr": "La clôture d'enceinte est-elle intacte ?"}),
                "gates_locked": questions.Question({"en": "Gates locked?",
                                                    "fr": "Portails verrouillés ?"})}
    questions.add_label_source(source)
    yield
    questions.remove_label_source(source)


def test_an_inspection_shows_everything_in_the_readers_language(hq, labels):
    client = as_user(hq, "reviewer")
    page = client.get(f"/hq/inspections/{hq['s'].submission_id}").get_data(as_text=True)
    assert "Is the perimeter fence intact?" in page and "Gates locked?" in page
    assert "Lighting working" in page  # no label known: the question's name, tidied
    assert "20/11/2026 09:00" in page  # 08:00 UTC in Niamey, device clock; day first
    assert "inspector&#39;s phone" in page
    assert f'src="/hq/photos/{hq["s"].photo_id}/thumb"' in page
    assert f'href="/hq/photos/{hq["s"].photo_id}"' in page
    assert "1 photo still missing" in page and "seal.jpg" in page
    assert re.search(r"<td class=\"num\">1000</td>\s*<td class=\"num\">940</td>", page)
    assert "-60" in page and "Gate B unlocked" in page
    assert "Replaced by" in page and "uuid:edit-1" in page
    french = as_user(hq, "admin")
    r = post_form(french, "/hq/language", {"language": "fr"})
    assert r.status_code == 302
    page = french.get(f"/hq/inspections/{hq['s'].submission_id}").get_data(as_text=True)
    assert "La clôture d&#39;enceinte est-elle intacte ?" in page
    assert "Réponses" in page and "20/11/2026 09:00" in page
    assert "1 photo encore manquante" in page and "oui" in page


def test_text_from_a_phone_never_becomes_markup(hq):
    page = as_user(hq, "reviewer").get(
        f"/hq/inspections/{hq['s'].submission_id}").get_data(as_text=True)
    assert "Fence repaired &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert SCRIPT not in page and "<script" not in page.lower()
    page = as_user(hq, "reviewer").get("/hq/depots/NMY").get_data(as_text=True)
    assert "Gate B unlocked. Fence repaired &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page


def test_hostile_answer_names_are_inert_too(hq):
    page = as_user(hq, "reviewer").get(
        f"/hq/inspections/{hq['hostile']}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    assert "<b>" not in page and "<script" not in page


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_exports_follow_the_filters_on_screen(hq):
    client = as_user(hq, "reviewer")
    r = client.get("/hq/exports/inspections.csv?depot=NMY&status=discrepancies")
    assert r.status_code == 200 and r.is_streamed and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = csv_rows(r)
    assert [row["instance_id"] for row in rows] == [hq["s"].instance_id]
    assert rows[0]["discrepancies"] == "1" and rows[0]["photos_missing"] == "1"
    assert rows[0]["started_at"] == "2026-11-20T09:00:00+01:00"  # the depot's local time
    everything = csv_rows(client.get("/hq/exports/inspections.csv"))
    assert len(everything) == 5  # the four of the log and the hostile one
    r = client.get("/hq/exports/inspections.xlsx?depot=ZDR")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(r.get_data())).active
    values = list(sheet.values)
    assert values[0][:3] == ("Instance ID", "Received", "Depot")
    assert len(values) == 2 and values[1][2] == "ZDR"


def test_exports_defuse_spreadsheet_formulas(hq):
    client = as_user(hq, "reviewer")
    rows = csv_rows(client.get("/hq/exports/inspections.csv?status=flagged"))
    assert rows[0]["visit_type"] == "'=1+1"
    sheet = load_workbook(io.BytesIO(client.get(
        "/hq/exports/inspections.xlsx?status=flagged").get_data())).active
    cell = [c for c in next(sheet.iter_rows(min_row=2)) if c.value == "'=1+1"][0]
    assert cell.data_type == "s"


def test_serial_lists_leave_only_with_roles_allowed_them(hq):
    reviewer = csv_rows(as_user(hq, "reviewer").get("/hq/exports/discrepancies.csv"))
    admin = csv_rows(as_user(hq, "admin").get("/hq/exports/discrepancies.csv"))
    missing = [r for r in reviewer if r["kind"] == "recorded_serial_missing"][0]
    assert missing["details"] == '{"serials": 1}'
    assert "AK100002" not in "".join(str(r) for r in reviewer)
    assert [r for r in admin if r["kind"] == "recorded_serial_missing"][0]["details"] == \
        '{"serials": ["AK100002"]}'
    with hq["app"].app_context():
        exports = list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "export.discrepancies").order_by(AuditEvent.id)))
    assert [e.details["restricted"] for e in exports[-2:]] == [False, True]


def test_discrepancy_export_follows_its_filters(hq):
    client = as_user(hq, "reviewer")
    rows = csv_rows(client.get("/hq/exports/discrepancies.csv?status=open&depot=NMY"))
    assert {r["kind"] for r in rows} == {"shortage", "recorded_serial_missing",
                                         "unknown_serial_found"}
    assert {r["crate"] for r in rows} >= {hq["world"].crates["ammo"]}
    assert csv_rows(client.get("/hq/exports/discrepancies.csv?status=closed")) == []
    sheet = load_workbook(io.BytesIO(client.get(
        "/hq/exports/discrepancies.xlsx?depot=NMY").get_data())).active
    values = list(sheet.values)
    assert len(values) == 4
    kinds = {row[values[0].index("Kind")] for row in values[1:]}  # words, not codes
    assert "recorded serial missing" in kinds and "recorded_serial_missing" not in kinds


def test_dashboard_compliance_and_chart(hq):
    page = as_user(hq, "commander").get("/hq/depots/NMY").get_data(as_text=True)
    compliance = page[page.index('id="compliance"'):]
    # the visit was replaced by an edit that answered f1/fence_intact "no" only
    assert re.search(r'<td>f1</td><td class="num">0</td><td class="num">1</td>', compliance)
    assert len(re.findall(r'<rect class="bar discrepancies"', page)) == 12
    assert len(re.findall(r'<rect class="bar findings"', page)) == 12
    assert "Gate B unlocked" in page  # an open finding


def test_the_crate_page_gates_serials_and_review_history_by_role(hq):
    rifles = hq["world"].crates["rifles"]
    reviewer = as_user(hq, "reviewer").get(f"/hq/crates/{rifles}").get_data(as_text=True)
    inspector = as_user(hq, "inspector").get(f"/hq/crates/{rifles}").get_data(as_text=True)
    assert "AK100001" in reviewer and "AK100001" not in inspector
    assert 'id="crate-conflicts"' in reviewer and 'id="crate-conflicts"' not in inspector
    assert "recorded serial missing" in reviewer and "Audit trail" not in inspector
    with hq["app"].app_context():
        reads = db.session.scalars(select(AuditEvent.user_id).where(
            AuditEvent.action == "restricted.read", AuditEvent.entity == "crate"))
        assert set(reads) == {hq["world"].users["reviewer"]}


def test_photos_are_cached_privately_and_run_nothing(hq):
    client = as_user(hq, "commander")
    for path in (f"/hq/photos/{hq['s'].photo_id}", f"/hq/photos/{hq['s'].photo_id}/thumb"):
        r = client.get(path)
        assert r.status_code == 200 and r.mimetype == "image/jpeg"
        assert "private" in r.headers["Cache-Control"] and "public" not in r.headers[
            "Cache-Control"]
        assert "sandbox" in r.headers["Content-Security-Policy"]
        again = client.get(path, headers={"If-None-Match": r.headers["ETag"]})
        assert again.status_code == 304
    thumb = Image.open(io.BytesIO(client.get(f"/hq/photos/{hq['s'].photo_id}/thumb").data))
    assert max(thumb.size) == 320
