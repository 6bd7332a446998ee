"""The programme's people through the HQ pages, as a national administrator would record
them: two people (one also logs in), an outside expert's course, a pass that makes a person
qualified until the refresher, a course that person then teaches (hanging under the first in
the cascade), a written appointment; the domain's refusals as 4xx pages with nothing written;
a reviewer reads the pages but sees no form and is refused the posts."""

from __future__ import annotations

from sqlalchemy import func, select

from server.db import db
from server.models import AuditEvent, Course, StaffMember
from tests.hq_seed import login_as, post_form

STAFF, CASCADE = "/hq/programme/staff", "/hq/programme/cascade"


def staff_id(client, name: str) -> int:
    with client.application.app_context():
        return db.session.scalar(select(StaffMember.id).where(StaffMember.full_name == name))


def counts(client) -> tuple[int, int, int]:
    with client.application.app_context():
        return (db.session.scalar(select(func.count()).select_from(StaffMember)),
                db.session.scalar(select(func.count()).select_from(Course)),
                db.session.scalar(select(func.count()).select_from(AuditEvent)))


def test_an_administrator_records_staff_courses_and_appointments(client, world):
    login_as(client, "admin")
    assert 'id="staff-form"' in client.get(STAFF).get_data(as_text=True)
    person = {"full_name": "Cpl Idrissa Garba", "rank": "Caporal", "depot": "NMY",
              "vetting": "vetted", "vetted_on": "2026-03-02", "login": "commander"}
    assert post_form(client, STAFF, person, page=STAFF).status_code == 302
    assert post_form(client, STAFF, {"full_name": "Sgt Mariama Hamani ﷺ‎"},
                     page=STAFF).status_code == 302
    before = counts(client)
    for bad, status in (({"vetting": "vetted"}, 422), ({"depot": "KDN"}, 404),
                        ({"login": "ng_inspector"}, 404), ({"vetting": "cleared"}, 422),
                        ({"vetted_on": "2026-02-30", "vetting": "vetted"}, 422)):
        form = {"full_name": "Refused", **bad}
        assert post_form(client, STAFF, form, page=STAFF).status_code == status, bad
    assert counts(client) == before
    idrissa, mariama = staff_id(client, "Cpl Idrissa Garba"), staff_id(
        client, "Sgt Mariama Hamani ﷺ\u200e")

    course = {"title": "Formation des magasiniers", "level": "national",
              "competence": "operator", "starts": "2026-11-02", "ends": "2026-11-06",
              "place": "Niamey", "refresher_months": "24", "outside": "Expert UNREC\n\n"}
    assert post_form(client, "/hq/programme/courses", course, page=CASCADE).status_code == 302
    first = db_course(client, "Formation des magasiniers")
    r = post_form(client, "/hq/programme/attendance",
                  {"course": first, "staff": idrissa, "outcome": "passed", "score": "85"},
                  page=CASCADE)
    assert r.status_code == 302
    assert "2028-11-06" in client.get(CASCADE).get_data(as_text=True)  # the refresher, flashed
    page = client.get(STAFF).get_data(as_text=True)
    assert '<td class="held">operator</td>' in page

    # now qualified, Idrissa teaches the depot course; Mariama, not qualified, may not
    depot_course = {**course, "title": "Magasiniers de NMY", "level": "depot",
                    "starts": "2026-11-16", "ends": "2026-11-17", "outside": ""}
    before = counts(client)
    refused = post_form(client, "/hq/programme/courses", {**depot_course, "trainers": mariama},
                        page=CASCADE)
    assert refused.status_code == 422 and counts(client) == before
    for bad in ({"ends": "2026-11-01"}, {"outside": "", "trainers": ""},
                {"competence": "juggler"}, {"trainers": "abc"}):
        assert post_form(client, "/hq/programme/courses", {**depot_course, **bad},
                         page=CASCADE).status_code == 422, bad
    token = client.get(CASCADE).get_data(as_text=True)
    from tests.hq_seed import csrf_from

    r = client.post("/hq/programme/courses", data={
        **depot_course, "trainers": [str(idrissa)], "csrf_token": csrf_from(token)})
    assert r.status_code == 302
    cascade = client.get(CASCADE).get_data(as_text=True)
    second = db_course(client, "Magasiniers de NMY")
    nested = f'<ul><li class="course" data-course="{second}"'  # under the course Idrissa passed
    assert cascade.index(f'data-course="{first}"') < cascade.index(nested)
    assert post_form(client, "/hq/programme/attendance",
                     {"course": db_course(client, "Magasiniers de NMY"), "staff": idrissa,
                      "outcome": "passed"}, page=CASCADE).status_code == 409  # its trainer
    assert post_form(client, "/hq/programme/attendance",
                     {"course": first, "staff": mariama, "outcome": "absent", "score": "101"},
                     page=CASCADE).status_code == 422

    appointment = {"staff": idrissa, "post": "storekeeper", "depot": "NMY",
                   "document": "ARR-2026-114", "on": "2026-11-20"}
    assert post_form(client, "/hq/programme/appointments", appointment,
                     page=STAFF).status_code == 302
    assert "storekeeper NMY" in client.get(STAFF).get_data(as_text=True)
    assert post_form(client, "/hq/programme/appointments", {**appointment, "depot": "KDN"},
                     page=STAFF).status_code == 404
    with client.application.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.in_(("staff.add", "course.add", "course.attendance",
                                   "staff.appoint")))).all()
    assert sorted(actions) == ["course.add", "course.add", "course.attendance", "staff.add",
                               "staff.add", "staff.appoint"]

    login_as(client, "reviewer")
    for page in (STAFF, CASCADE):
        html = client.get(page).get_data(as_text=True)
        assert "Cpl Idrissa Garba" in html and "<form method=\"post\" action=\"/hq/programme" \
            not in html
    assert post_form(client, STAFF, {"full_name": "X"}, page=STAFF).status_code == 403
    assert post_form(client, "/hq/programme/courses", course, page=CASCADE).status_code == 403


def db_course(client, title: str) -> int:
    with client.application.app_context():
        return db.session.scalar(select(Course.id).where(Course.title == title))
