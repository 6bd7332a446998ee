"""Tracing requests on the HQ pages: the register of requests sent and received (and, for a
regional body, those it carries), a new request, one request's life (route, acknowledge,
answer from the candidate matches, releasing only the ticked fields), and the PoA/ITI
report's tracing section as XLSX or PDF."""

from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.db import db, utcnow
from server.downloads import send_photo_file
from server.models import Country
from server.setup_fields import request_in
from server.web import bp, login_required
from server.web.register import reason_text
from server.web.schemas import (
    TracingAckForm,
    TracingAnswerForm,
    TracingReportArgs,
    TracingRequestForm,
)
from server.wiring import photo_keeper
from sync.tracing import detail, photos, reports, requests
from sync.tracing.bodies import bodies_of

TRACING_WORDS = {
    "with_body": _l("with the regional body"), "received": _l("received"),
    "acknowledged": _l("acknowledged"), "answered": _l("answered"),
    "declined": _l("declined"), "traced": _l("traced"), "not_found": _l("not found"),
    "send": _l("sent"), "route": _l("passed on"), "acknowledge": _l("acknowledged"),
    "answer": _l("answered"), "photo": _l("photo attached"), "type": _l("type"),
    "manufacturer": _l("maker"), "model": _l("model"), "calibre": _l("calibre"),
    "serial": _l("serial"),
    "country_of_manufacture": _l("country of manufacture"),
    "last_import_country": _l("country of last import"), "markings": _l("other markings"),
    "seizure_place": _l("where it was seized"), "seizure_date": _l("when it was seized"),
    "circumstances": _l("circumstances"), "year": _l("year"),
    "import_country": _l("import country"), "import_year": _l("import year"),
    "national_marking": _l("national marking"), "holder_agency": _l("holder agency"),
    "status": _l("status"), "last_movement": _l("last movement"),
}


@bp.app_template_global()
def tracing_word(code: str) -> str:
    return str(TRACING_WORDS.get(code, code))


@bp.get("/tracing")
@login_required
def tracing_list():
    rows = requests.list_requests(db.session, g.principal)
    return render_template("tracing/list.html", rows=rows, now=utcnow(),
                           overdue=requests.overdue)


@bp.get("/tracing/new")
@login_required
def tracing_new():
    g.principal.require("tracing.send")
    country = db.session.get(Country, g.principal.country_code)
    others = db.session.scalars(select(Country).where(Country.code != country.code)
                                .order_by(Country.code)).all()
    return render_template("tracing/new.html", countries=others,
                           bodies=bodies_of(db.session, country))


@bp.post("/tracing")
@login_required
def tracing_send():
    form = TracingRequestForm().load(request.form)
    now = utcnow()
    req = requests.send_request(db.session, g.principal, request_in(
        form, {k: form[k] for k in requests.IDENTIFICATION},
        {k: form[k] for k in requests.CONTEXT}), now=now)
    keep = photo_keeper()
    for upload in request.files.getlist("photos"):
        if upload.filename:  # a refused photo refuses the whole request: nothing is sent
            photos.attach_photo(db.session, g.principal, req.id, keep, upload.stream,
                                filename=upload.filename, now=now)
    db.session.commit()
    flash(_("Tracing request %(ref)s sent.", ref=req.reference))
    return redirect(url_for("web.tracing_request", request_id=req.id))


@bp.get("/tracing/<request_id>")
@login_required
def tracing_request(request_id: str):
    now = utcnow()
    view = detail.view_request(db.session, g.principal, request_id, now=now)
    db.session.commit()  # a lost or stolen candidate raises its alert
    return render_template("tracing/request.html", r=view.request, candidates=view.candidates,
                           now=now, body=view.body, photos=view.photos,
                           releasable=requests.RELEASABLE, reason_text=reason_text,
                           overdue=view.overdue)


@bp.get("/tracing/<request_id>/photos/<photo_id>")
@login_required
def tracing_photo(request_id: str, photo_id: str):
    photo = photos.request_photo(db.session, g.principal, request_id, photo_id)
    return send_photo_file(photo, thumbnail=False)


@bp.get("/tracing/<request_id>/photos/<photo_id>/thumb")
@login_required
def tracing_thumbnail(request_id: str, photo_id: str):
    photo = photos.request_photo(db.session, g.principal, request_id, photo_id)
    return send_photo_file(photo, thumbnail=True)


@bp.post("/tracing/<request_id>/route")
@login_required
def tracing_route(request_id: str):
    requests.route_request(db.session, g.principal, request_id, now=utcnow())
    db.session.commit()
    flash(_("Request passed on to the requested state."))
    return redirect(url_for("web.tracing_request", request_id=request_id))


@bp.post("/tracing/<request_id>/acknowledge")
@login_required
def tracing_acknowledge(request_id: str):
    form = TracingAckForm().load(request.form)
    requests.acknowledge_request(db.session, g.principal, request_id, contact=form["contact"],
                                 now=utcnow())
    db.session.commit()
    flash(_("Receipt acknowledged."))
    return redirect(url_for("web.tracing_request", request_id=request_id))


@bp.post("/tracing/<request_id>/answer")
@login_required
def tracing_answer(request_id: str):
    form = TracingAnswerForm().load(request.form)
    requests.answer_request(db.session, g.principal, request_id, now=utcnow(), **form)
    db.session.commit()
    flash(_("Answer sent."))
    return redirect(url_for("web.tracing_request", request_id=request_id))


@bp.get("/tracing/report.<any(xlsx, pdf):fmt>")
@login_required
def tracing_report(fmt: str):
    args = TracingReportArgs().load(request.args)
    now = utcnow()
    figures = reports.tracing_figures(db.session, g.principal, year=args["year"] or now.year,
                                      now=now)
    lang = args["lang"] or str(get_locale())
    data = reports.as_xlsx(figures, lang) if fmt == "xlsx" else reports.as_pdf(figures, lang)
    mime = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if fmt == "xlsx" else "application/pdf")
    name = f"tracing-{figures.country}-{figures.year}-{lang}.{fmt}"
    return Response(data, mimetype=mime,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
