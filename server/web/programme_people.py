"""The programme's people at HQ: the staff list with its forms (a person, with or without a
login; a written appointment to a depot's post) and the training cascade with its forms (a
course and its trainers; one person's attendance and assessment). The rules are the
domain's (sync/people/training.py, sync/people/courses.py), as for `flask programme`."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from server.db import db, utcnow
from server.web import bp, login_required
from server.web.programme_schemas import AppointmentForm, AttendanceForm, CourseForm, StaffForm
from server.web.programme_words import COMPETENCES, LEVELS, POSTS, VETTING
from sync.access.scope import visible_depots
from sync.people.courses import CourseIn, add_course, record_attendance, training_cascade
from sync.people.training import StaffIn, add_staff, appoint, staff_list
from sync.stock.setup import list_agencies


def _courses(roots) -> list:
    """Every course of the cascade, newest first (for the attendance form)."""
    found, todo = [], list(roots)
    while todo:
        node = todo.pop()
        found.append(node.course)
        todo.extend(node.children)
    return sorted(found, key=lambda c: (c.starts_on, c.id), reverse=True)


@bp.get("/programme/staff")
@login_required
def programme_staff():
    rows = staff_list(db.session, g.principal, on=utcnow().date())
    return render_template("programme/staff.html", rows=rows, competences=COMPETENCES,
                           posts=POSTS, vetting=VETTING,
                           agencies=list_agencies(db.session, g.principal.country_code),
                           depots=visible_depots(db.session, g.principal))


@bp.post("/programme/staff")
@login_required
def programme_staff_add():
    form = StaffForm().load(request.form)
    staff = add_staff(db.session, g.principal, StaffIn(
        form["full_name"], rank=form["rank"], agency_code=form["agency"],
        depot_code=form["depot"], vetting_status=form["vetting"], vetted_on=form["vetted_on"],
        username=form["login"]), now=utcnow())
    db.session.commit()
    flash(_("%(name)s added to the staff list.", name=staff.full_name))
    return redirect(url_for("web.programme_staff"))


@bp.post("/programme/appointments")
@login_required
def programme_appoint():
    form = AppointmentForm().load(request.form)
    row = appoint(db.session, g.principal, form["staff"], depot_code=form["depot"],
                  post=form["post"], document_ref=form["document"], on=form["on"],
                  now=utcnow())
    db.session.commit()
    flash(_("Appointed %(post)s of %(depot)s.", post=POSTS[row.post.value],
            depot=form["depot"].upper()))
    return redirect(url_for("web.programme_staff"))


@bp.get("/programme/cascade")
@login_required
def programme_cascade():
    roots = training_cascade(db.session, g.principal)
    return render_template("programme/cascade.html", roots=roots, competences=COMPETENCES,
                           levels=LEVELS, courses=_courses(roots),
                           staff=[r.staff for r in staff_list(db.session, g.principal,
                                                              on=utcnow().date())])


@bp.post("/programme/courses")
@login_required
def programme_course_add():
    form = CourseForm().load(request.form)
    course = add_course(db.session, g.principal, CourseIn(
        form["level"], form["title"], form["starts"], form["ends"], form["competence"],
        place=form["place"], organiser=form["organiser"],
        refresher_months=form["refresher_months"], trainer_ids=tuple(form["trainers"]),
        outside_trainers=form["outside"]), now=utcnow())
    db.session.commit()
    flash(_("Course %(title)s recorded.", title=course.title))
    return redirect(url_for("web.programme_cascade"))


@bp.post("/programme/attendance")
@login_required
def programme_attend():
    form = AttendanceForm().load(request.form)
    row = record_attendance(db.session, g.principal, form["course"], form["staff"],
                            attended=form["outcome"] != "absent", score=form["score"],
                            passed=form["outcome"] == "passed", now=utcnow())
    db.session.commit()
    flash(_("Attendance recorded: refresher due %(day)s.", day=row.refresher_due.isoformat())
          if row.refresher_due else _("Attendance recorded."))
    return redirect(url_for("web.programme_cascade"))
