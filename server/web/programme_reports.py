"""The programme's reports as downloads: the national progress report (programme.read, the
country's own records) and the regional evaluation report (a body's user: only what
countries released to it), each as PDF or XLSX, in French or English."""

from __future__ import annotations

import io
from typing import Any

from flask import g, request, send_file
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from openpyxl import Workbook

from server.db import db
from server.web import bp, login_required
from server.web.programme import period_of, share_chart, trained_chart
from server.web.programme_charts import grouped_bars
from server.web.programme_pdf import national_pdf, regional_pdf
from server.web.programme_schemas import PeriodArgs
from server.web.programme_words import COMPETENCES, POA, ROWS, WORKS, poa_values, yes_no
from sync.programme.reports import NationalReport, RegionalReport, national_report, regional_report
from sync.views.exports import safe_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _send(data: bytes, fmt: str, name: str):
    return send_file(io.BytesIO(data), mimetype="application/pdf" if fmt == "pdf" else XLSX,
                     as_attachment=True, download_name=f"{name}.{fmt}")


@bp.get("/programme/national.<any(pdf, xlsx):fmt>")
@login_required
def national_report_file(fmt: str):
    args = PeriodArgs().load(request.args)
    lang = args["lang"] or str(get_locale())
    with force_locale(lang):
        r = national_report(db.session, g.principal, str(period_of(args)))
        data = (national_pdf(r, share_chart(r.series),
                             trained_chart([(s.period, s) for s in r.series]))
                if fmt == "pdf" else national_xlsx(r))
    return _send(data, fmt, f"progress-{r.country.code}-{r.period}-{lang}")


@bp.get("/programme/regional.<any(pdf, xlsx):fmt>")
@login_required
def regional_report_file(fmt: str):
    args = PeriodArgs().load(request.args)
    lang = args["lang"] or str(get_locale())
    with force_locale(lang):
        r = regional_report(db.session, g.principal, str(period_of(args)))
        data = regional_pdf(r, *regional_charts(r)) if fmt == "pdf" else regional_xlsx(r)
    return _send(data, fmt, f"regional-{r.body.code}-{r.period}-{lang}")


def regional_charts(r: RegionalReport):
    columns = [(c.code, c.figures) for c in r.countries]
    rrpl = grouped_bars([c.code for c in r.countries],
                        {_("RRPL at baseline"): [c.figures.rrpl_baseline for c in r.countries],
                         _("RRPL now"): [c.figures.rrpl_now for c in r.countries]})
    return trained_chart(columns), rrpl


def _sheet(book: Workbook, title: str, head: list[Any], lines: list[list[Any]]) -> None:
    sheet = book.create_sheet(title=title[:31])
    sheet.append([safe_cell(str(h)) for h in head])
    for line in lines:
        sheet.append([safe_cell(str(v) if hasattr(v, "__html__") else v) for v in line])


def _bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def national_xlsx(r: NationalReport) -> bytes:
    book = Workbook(write_only=True)
    _sheet(book, _("Indicators"), [_("Indicator")] + [s.period for s in r.series],
           [[label] + [getattr(s, key) for s in r.series] for key, label, _k in ROWS]
           + [[_("Staff trained: %(c)s", c=label)] + [s.trained[c] for s in r.series]
              for c, label in COMPETENCES.items()])
    _sheet(book, _("Depots"), [_("Depot"), _("Agency"), _("RRPL at baseline"), _("RRPL now"),
                               _("Works handed over"), _("SOP")],
           [[d.code, d.agency, d.figures.rrpl_baseline, d.figures.rrpl_now,
             ", ".join(str(WORKS.get(w.kind, w.kind)) for w in d.works), d.sop]
            for d in r.depots])
    _sheet(book, "PoA", [_("Question"), _("Answer"), _("From the records")],
           [[POA[a.code], yes_no(a.answer), poa_values(a.values)] for a in r.poa])
    return _bytes(book)


def regional_xlsx(r: RegionalReport) -> bytes:
    book = Workbook(write_only=True)
    _sheet(book, _("Balance sheet"), [_("Indicator")] + [c.code for c in r.countries],
           [[label] + [getattr(c.figures, key) for c in r.countries] for key, label, _k in ROWS]
           + [[_("Staff trained: %(c)s", c=label)] + [c.figures.trained[k] for c in r.countries]
              for k, label in COMPETENCES.items()])
    _sheet(book, _("Countries"), [_("Country"), _("Works"), _("SOP"), _("Challenges noted")],
           [[c.name, ", ".join(f"{WORKS.get(k, k)}: {n}" for k, n in c.works.items()),
             ", ".join(f"{s['sop']} {s['version']}" for s in c.sops), c.challenges]
            for c in r.countries])
    return _bytes(book)
