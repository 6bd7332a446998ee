"""The programme's pages: the indicator dashboard (country, agencies, depots, quarter by
quarter), releases to partners, and what a partner reads: the indicators countries released
to its body. The people's pages (staff, training cascade) are server/web/programme_people.py."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from server.db import db, utcnow
from server.web import bp, login_required
from server.web.programme_charts import grouped_bars
from server.web.programme_schemas import PeriodArgs, ReleaseForm, WithdrawForm, last_finished
from server.web.programme_words import COMPETENCES, ROWS, WORKS, figure
from sync.programme import releases
from sync.programme.indicators import Indicators, quarters
from sync.programme.releases import figures_of
from sync.programme.reports import national_report


def period_of(args: dict):
    return args["period"] or last_finished(utcnow().date())


def share_chart(series: list[Indicators]):
    keys = ("plans_share", "on_time_share", "accuracy", "marked_share")
    labels = {k: str(label) for k, label, _kind in ROWS}
    return grouped_bars([s.period for s in series],
                        {labels[k]: [getattr(s, k) for s in series] for k in keys},
                        percent=True)


def trained_chart(columns: list[tuple[str, Indicators]]):
    return grouped_bars([name for name, _f in columns],
                        {str(COMPETENCES[c]): [f.trained.get(c, 0) for _n, f in columns]
                         for c in COMPETENCES})


@bp.get("/programme/")
@login_required
def programme_dashboard():
    args = PeriodArgs().load(request.args)
    report = national_report(db.session, g.principal, str(period_of(args)))
    return render_template("programme/dashboard.html", r=report, rows=ROWS, figure=figure,
                           competences=COMPETENCES, works_words=WORKS,
                           shares=share_chart(report.series),
                           trained=trained_chart([(f.period, f) for f in report.series]))


@bp.get("/programme/releases")
@login_required
def programme_releases():
    rows = releases.country_releases(db.session, g.principal)
    return render_template("programme/releases.html", rows=rows,
                           period=last_finished(utcnow().date()),
                           periods=quarters(last_finished(utcnow().date()), 8))


@bp.post("/programme/releases")
@login_required
def release_indicators():
    form = ReleaseForm().load(request.form)
    release = releases.release_indicators(db.session, g.principal, form["body"],
                                          form["period"], challenges=form["challenges"],
                                          now=utcnow())
    db.session.commit()
    flash(_("Indicators of %(period)s released.", period=release.period))
    return redirect(url_for("web.programme_releases"))


@bp.post("/programme/releases/withdraw")
@login_required
def withdraw_indicators():
    form = WithdrawForm().load(request.form)
    taken = releases.withdraw_releases(db.session, g.principal, form["body"], form["period"],
                                       now=utcnow())
    db.session.commit()
    flash(_("%(n)d release(s) withdrawn.", n=len(taken)))
    return redirect(url_for("web.programme_releases"))


@bp.get("/programme/released")
@login_required
def released_indicators():
    """A partner's page: only what countries released to its body, never a record."""
    args = PeriodArgs().load(request.args)
    rows = releases.released_to_body(db.session, g.principal)
    periods = sorted({r.period for r in rows}, reverse=True)
    period = str(args["period"]) if args["period"] else (periods[0] if periods else None)
    shown = [(r.country_code, figures_of(r.figures["country"]), r) for r in rows
             if r.period == period]
    return render_template("programme/released.html", shown=shown, periods=periods,
                           period=period, rows=ROWS, figure=figure, competences=COMPETENCES,
                           trained=trained_chart([(c, f) for c, f, _r in shown]))
