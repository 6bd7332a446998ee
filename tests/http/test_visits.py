"""A visit filled through the OpenRosa door (F0, F1, F3, F4, F5, F7) is one visit on HQ,
with its type, inspectors, parts, findings and score; its findings are followed to closure,
and the owner alone cannot close one."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from server.db import db
from server.models import Finding, Submission, Visit
from tests.collect import new_instance_id
from tests.hq_seed import login, login_as, post_form
from tests.visit_forms import checklist, send_visit


def test_a_visit_of_six_forms_is_one_visit_on_hq_with_its_score(app, client, collect, world):
    visit_id, sent = send_visit(collect, world, f1_no={"fence_intact": "Hole, north side"})
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        parts = db.session.scalars(select(Submission).where(Submission.visit_id == visit_id))
        assert {p.instance_id for p in parts} == set(sent.values())
        assert {p.status.value for p in db.session.scalars(select(Submission))} == {
            "accepted"}
        assert visit.visit_type == "routine_internal"
        assert visit.inspector_ids == [world.users["inspector"], world.users["admin"]]
        assert (visit.commander_id, visit.inspector_id) == (world.users["commander"],
                                                            world.users["inspector"])
        assert visit.commander_at.isoformat() == "2026-11-25T11:50:00+00:00"
        assert visit.score["rrpl"] == 3  # one major item of level 1 failed: still above 70 %
        findings = db.session.scalars(select(Finding).where(Finding.visit_id == visit_id))
        by_section = {f.section: f for f in findings}
        assert by_section["close_out"].status == "planned"
        assert by_section["close_out"].owner_id == world.users["commander"]
        assert by_section["perimeter"].item == "fence_intact"
    login(client, "reviewer")
    page = client.get(f"/hq/visits/{visit_id}").get_data(as_text=True)
    for text in ("routine internal inspection", "Hole in the north fence", "Hole, north side",
                 "visit_header", "security_check", "records_audit", "crate_count",
                 "marking_check", "close_out", "Estimated RRPL:", "13.51 2.11"):
        assert text in page, text
    header = client.get(f"/hq/inspections/{_id(app, sent['close_out'])}").get_data(
        as_text=True)
    assert f"/hq/visits/{visit_id}" in header
    with app.app_context():
        from server.models import AuditEvent
        read = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_id == visit_id))
        assert (read.action, read.details) == ("restricted.read", {"fields": ["position"]})
    login_as(client, "inspector")  # reads its own submissions only, not whole visits
    assert client.get(f"/hq/visits/{visit_id}").status_code == 403


def _id(app, instance_id: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Submission.id).where(
            Submission.instance_id == instance_id))


def test_a_part_before_its_header_joins_the_visit_when_the_header_comes(app, collect, world):
    from forms.sources.closeout import F3_ITEMS
    from tests.visit_forms import header

    visit_id = str(uuid.uuid4())
    r = collect.send(collect.fill("records_audit",
                                  checklist([n for n, *_ in F3_ITEMS], visit_id)))
    assert r.status_code == 201
    with app.app_context():
        assert db.session.get(Visit, visit_id).visit_type == ""
    head = header(world, visit_id)
    collect.send(collect.fill("visit_header", head, entity={
        "id": head.pop("__visit"), "create": "1", "label": "NMY"}))
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert visit.visit_type == "routine_internal" and visit.header_submission_id
        assert visit.score["levels"][0]["score"] == 1.0  # the audit's items, all "yes"


def test_a_visit_at_another_depot_or_a_bad_id_flags_the_part(app, collect, world):
    from forms.sources.closeout import F3_ITEMS

    visit_id, _ = send_visit(collect, world)
    answers = checklist([n for n, *_ in F3_ITEMS], visit_id)
    with app.app_context():
        from server.models import Depot
        db.session.get(Visit, visit_id).depot_id = db.session.scalar(
            select(Depot.id).where(Depot.code == "ZDR"))
        db.session.commit()
    bad = {**answers, "visit": "x'; DROP TABLE visits;--"}
    for a in (answers, bad):
        iid = new_instance_id()
        assert collect.send(collect.fill("records_audit", a, instance_id=iid)).status_code \
            == 201
        with app.app_context():
            sub = db.session.scalar(select(Submission).where(Submission.instance_id == iid))
            assert sub.status.value == "flagged" and sub.visit_id is None
            assert "visit" in {p["field"] for p in sub.problems}


def test_the_phone_gets_recent_visits_and_the_users_of_its_country(collect, world, app):
    visit_id, _ = send_visit(collect, world)
    visits = collect.get("/forms/security_check/attachments/visits.csv").get_data(as_text=True)
    assert visit_id in visits and "NMY 2026-11-25 routine_internal" in visits
    users = collect.get("/forms/visit_header/attachments/users.csv").get_data(as_text=True)
    assert "commander" in users and "ng_" not in users
    files = collect.get("/forms/security_check/manifest").get_data(as_text=True)
    assert "/datasets/visits/integrity" in files
    kept = collect.get(f"/datasets/visits/integrity?id={visit_id},{uuid.uuid4()}")
    assert kept.get_data(as_text=True).count("<deleted>false</deleted>") == 2  # one unsent
    other = collect.client.get(f"/key/{world.tokens['zdr_inspector']}/datasets/visits/"
                               f"integrity?id={visit_id}")
    assert "<deleted>true</deleted>" in other.get_data(as_text=True)  # not its depot's


def _finding(app, visit_id: str, section: str = "close_out") -> str:
    with app.app_context():
        return db.session.scalar(select(Finding.id).where(Finding.visit_id == visit_id,
                                                          Finding.section == section))


def test_an_overdue_finding_is_listed_per_depot_and_country(app, client, collect, world):
    visit_id, _ = send_visit(collect, world, due=date.today() + timedelta(days=1))
    finding_id = _finding(app, visit_id)
    with app.app_context():
        f = db.session.get(Finding, finding_id)
        f.due_date = f.due_date - timedelta(days=10)
        db.session.commit()
    login_as(client, "reviewer")
    page = client.get("/hq/findings?overdue=1").get_data(as_text=True)
    assert 'id="overdue-by-depot"' in page and 'id="overdue-total">1<' in page
    assert "Hole in the north fence" in page and 'class="overdue"' in page
    login_as(client, "ng_commander")
    page = client.get("/hq/findings").get_data(as_text=True)
    assert "Hole in the north fence" not in page and 'id="overdue-none"' in page
    assert client.get(f"/hq/findings/{finding_id}").status_code == 404


def test_a_finding_goes_to_closure_and_its_owner_alone_cannot_close_it(app, client, collect,
                                                                        world):
    visit_id, _ = send_visit(collect, world)
    finding_id = _finding(app, visit_id)  # planned, owned by the commander
    page = f"/hq/findings/{finding_id}"
    login_as(client, "commander")
    assert post_form(client, f"{page}/done", {"note": "Fence mended"}, page=page
                     ).status_code == 302
    follow_up, _ = send_visit(collect, world, visit_type="follow_up",
                              start="2026-12-20T09:00:00.000+01:00")
    r = post_form(client, f"{page}/verify", {"visit_id": follow_up}, page=page)
    assert r.status_code == 422  # the owner verifies nothing of their own
    with app.app_context():
        assert db.session.get(Finding, finding_id).status == "done"
    login_as(client, "reviewer")
    wrong = post_form(client, f"{page}/verify", {"visit_id": visit_id}, page=page)
    assert wrong.status_code == 422  # the visit that found it verifies nothing
    assert post_form(client, f"{page}/close", {}, page=page).status_code == 409
    assert post_form(client, f"{page}/verify", {"visit_id": follow_up}, page=page
                     ).status_code == 302
    assert post_form(client, f"{page}/close", {}, page=page).status_code == 302
    with app.app_context():
        f = db.session.get(Finding, finding_id)
        assert (f.status, f.verified_visit_id, f.closed_by) == (
            "closed", follow_up, world.users["reviewer"])
        assert [h["step"] for h in f.history] == ["done", "verified", "closed"]
    login_as(client, "inspector")
    assert post_form(client, f"{page}/close", {}, page="/hq/inspections").status_code == 403


def test_the_same_item_found_again_is_still_open_since_the_first_visit(app, client, collect,
                                                                       world):
    first, _ = send_visit(collect, world, f1_no={"gates_locked": "Gate open"})
    second, _ = send_visit(collect, world, f1_no={"gates_locked": "Still open"},
                           start="2026-12-20T09:00:00.000+01:00")
    with app.app_context():
        old = db.session.scalar(select(Finding).where(Finding.visit_id == first,
                                                      Finding.item == "gates_locked"))
        new = db.session.scalar(select(Finding).where(Finding.visit_id == second,
                                                      Finding.item == "gates_locked"))
        assert (new.previous_id, new.open_since) == (old.id, old.created_at)
        score = db.session.get(Visit, second).score
        assert (score["rrpl"], score["levels"][0]["critical_unmet"]) == (0, ["gates_locked"])
    login_as(client, "reviewer")
    page = client.get(f"/hq/findings/{new.id}").get_data(as_text=True)
    assert 'id="open-since"' in page and f"/hq/findings/{old.id}" in page
    assert "still open since" in client.get(f"/hq/visits/{second}").get_data(as_text=True)


@pytest.mark.parametrize(("step", "form", "status"), [
    ("plan", {"action": "Fix", "owner_id": "x", "due": "2027-01-01"}, 422),
    ("plan", {"action": "Fix", "owner_id": "1", "due": "next week"}, 422),
    ("plan", {"action": " ", "owner_id": "1", "due": "2027-01-01"}, 422),
    ("plan", {"action": "Fix", "owner_id": "999999", "due": "2027-01-01"}, 422),
    ("verify", {"visit_id": "x" * 500}, 422),
    ("done", {"note": "x"}, 409),
    ("close", {}, 409),
], ids=["owner not a number", "due not a date", "no action", "unknown owner",
        "visit id too long", "done before planned", "close before verified"])
def test_a_bad_step_changes_nothing(app, client, collect, world, step, form, status):
    visit_id, _ = send_visit(collect, world, f1_no={"fence_intact": "Hole"})
    finding_id = _finding(app, visit_id, "perimeter")  # open, no owner
    login_as(client, "reviewer")
    page = f"/hq/findings/{finding_id}"
    assert post_form(client, f"{page}/{step}", form, page=page).status_code == status
    with app.app_context():
        f = db.session.get(Finding, finding_id)
        assert (f.status, f.owner_id, f.history) == ("open", None, [])


def test_unknown_visits_and_findings_are_404(client, world):
    login_as(client, "reviewer")
    for path in ("/hq/visits/nope", "/hq/findings/nope", "/hq/findings?status=bogus"):
        assert client.get(path).status_code == (422 if "bogus" in path else 404)
