"""The programme's reports as PDF, in the reader's language, with the charts of the pages
drawn again by reportlab from the same geometry: the national progress report (with the
stockpile-management answers of the PoA national report) and the regional evaluation report
(the balance sheet of what each country released)."""

from __future__ import annotations

import io

from flask_babel import get_locale
from flask_babel import gettext as _
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, SimpleDocTemplate, Spacer

from server.db import utcnow
from server.web.programme_charts import Grouped
from server.web.programme_words import (
    COMPETENCES,
    POA,
    ROWS,
    WORKS,
    figure,
    poa_values,
    rows,
    yes_no,
)
from server.web.reports import _p, _section
from sync.labels.script import RTL, fonts, visual
from sync.programme.reports import NationalReport, RegionalReport

PALETTE = ("#2f6f9f", "#d59a2c", "#4f8a3c", "#8a4f9f", "#b3261e", "#5f6b76")


def _text(x: float, y: float, text: object, size: float, anchor: str = "start") -> String:
    """A chart's word in the reader's script (Arabic shaped, in Amiri)."""
    lang = str(get_locale())
    return String(x, y, visual(str(text), lang in RTL), fontSize=size, textAnchor=anchor,
                  fontName=fonts(lang)[0])


def chart_drawing(chart: Grouped, scale: float = 0.62) -> Drawing:
    """The page's SVG chart as a reportlab drawing (y counted from the bottom here)."""
    d = Drawing(chart.width * scale, (chart.height + 18) * scale)
    h = chart.height

    def y(v: float) -> float:
        return (h - v + 18) * scale

    for tick_y, value in chart.ticks:
        d.add(Line(chart.left * scale, y(tick_y), (chart.width - 10) * scale, y(tick_y),
                   strokeColor=colors.HexColor("#e3e7eb")))
        d.add(_text((chart.left - 6) * scale, y(tick_y) - 3, value, 7, "end"))
    for b in chart.bars:
        d.add(Rect(b.x * scale, y(b.y + b.height), b.width * scale, b.height * scale,
                   fillColor=colors.HexColor(PALETTE[b.series % len(PALETTE)]),
                   strokeColor=None))
    for x, label in chart.groups:
        d.add(_text(x * scale, y(chart.bottom + 16), label, 7, "middle"))
    step = (chart.width - chart.left) / max(1, len(chart.series))
    for n, name in enumerate(chart.series):  # the legend, under the axis
        d.add(Rect((chart.left + n * step) * scale, 2, 6, 6, strokeColor=None,
                   fillColor=colors.HexColor(PALETTE[n % len(PALETTE)])))
        d.add(_text((chart.left + n * step) * scale + 9, 2, name[:int(step / 5)], 6))
    return d


def _doc(title: str):
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=14 * mm,
                            rightMargin=14 * mm, topMargin=14 * mm, bottomMargin=14 * mm,
                            title=title, author="depotsync")
    return out, doc


def _styles():
    styles = getSampleStyleSheet()
    return styles, styles["BodyText"].clone("small", fontSize=8, leading=10)


def national_pdf(r: NationalReport, shares: Grouped, trained: Grouped) -> bytes:
    title = _("National progress report")
    out, doc = _doc(title)
    styles, small = _styles()
    story = [_p(f"{title} — {r.country.name} — {r.period}", styles["Title"]),
             _p(f"{r.country.commission or r.country.name} · {_('Generated')} "
                f"{utcnow():%Y-%m-%d}", small)]
    story += _section(_("Indicators"), [_("Indicator")] + [s.period for s in r.series],
                      [[label] + [figure(getattr(s, key), kind) for s in r.series]
                       for key, label, kind in ROWS], small, styles, [90 * mm] + [None] * 4)
    story += [chart_drawing(shares), PageBreak()]
    story += _section(_("Staff trained per competence"),
                      [_("Competence")] + [s.period for s in r.series] + [_("Qualified now")],
                      [[label] + [s.trained[c] for s in r.series] + [r.figures.qualified[c]]
                       for c, label in COMPETENCES.items()], small, styles,
                      [60 * mm] + [None] * 5)
    story += [chart_drawing(trained), Spacer(1, 4 * mm)]
    story += _section(_("Depot development"),
                      [_("Depot"), _("Agency"), _("RRPL at baseline"), _("RRPL now"),
                       _("Works handed over"), _("SOP")],
                      [[f"{d.code} — {d.name}", d.agency or "—",
                        figure(d.figures.rrpl_baseline, "mean"),
                        figure(d.figures.rrpl_now, "mean"),
                        ", ".join(f"{WORKS.get(w.kind, w.kind)} ({w.handed_over_on})"
                                  for w in d.works) or "—", d.sop or "—"] for d in r.depots],
                      small, styles, [55 * mm, 40 * mm, 25 * mm, 25 * mm, None, 30 * mm])
    story += _section(_("National SOPs adopted"), [_("SOP"), _("Version"), _("Adopted"),
                                                   _("By")],
                      [[s["sop"], s["version"], s["adopted_on"], s["by"]] for s in r.sops],
                      small, styles, [60 * mm, 25 * mm, 30 * mm, None])
    story += [PageBreak()] + poa_story(r, small, styles)
    doc.build(story)
    return out.getvalue()


def poa_story(r: NationalReport, small, styles) -> list:
    head = [_("Question"), _("Answer"), _("From the records")]
    lines = [[POA[a.code], yes_no(a.answer), poa_values(a.values)] for a in r.poa]
    return _section(_("PoA national report: stockpile management and security (%(year)s)",
                      year=r.period.year), head, lines, small, styles,
                    [110 * mm, 20 * mm, None])


def regional_pdf(r: RegionalReport, trained: Grouped, rrpl: Grouped) -> bytes:
    title = _("Regional evaluation report")
    out, doc = _doc(title)
    styles, small = _styles()
    codes = [c.code for c in r.countries]
    story = [_p(f"{title} — {r.body.name} — {r.period}", styles["Title"]),
             _p(_("Balance sheet of the indicators released by %(n)d countries: %(codes)s.",
                  n=len(codes), codes=", ".join(c.name for c in r.countries) or "—"), small)]
    story += _section(_("Balance sheet"), [_("Indicator")] + codes,
                      [[label] + [figure(getattr(c.figures, key), kind) for c in r.countries]
                       for key, label, kind in ROWS], small, styles,
                      [90 * mm] + [None] * len(codes))
    story += [KeepTogether([_p(_("Staff trained per competence"), styles["Heading2"]),
                            chart_drawing(trained)]),
              KeepTogether([_p(_("RRPL at baseline and now"), styles["Heading2"]),
                            chart_drawing(rrpl)])]
    for c in r.countries:
        story += [PageBreak(), _p(f"{c.name} ({c.code})", styles["Heading1"]),
                  _p(_("Released on %(day)s.", day=c.released_on.isoformat()), small)]
        story += _section(_("Rehabilitated"), [_("Works"), _("Handed over (to date)")],
                          [[WORKS.get(k, k), n] for k, n in c.works.items()], small, styles,
                          [90 * mm, None])
        story += _section(_("Adopted"), [_("SOP"), _("Version"), _("Adopted")],
                          [[s["sop"], s["version"], s["adopted_on"]] for s in c.sops], small,
                          styles, [60 * mm, 25 * mm, None])
        story += _section(_("Trained"), [_("Competence"), _("Passed in the quarter"),
                                         _("Qualified")],
                          [[label, c.figures.trained[k], c.figures.qualified[k]]
                           for k, label in COMPETENCES.items()], small, styles,
                          [60 * mm, 40 * mm, None])
        story += _section(_("Against baseline"), [_("Indicator"), _("Value")],
                          rows(c.figures), small, styles, [110 * mm, None])
        story += [_p(_("Challenges noted"), styles["Heading2"]),
                  _p(c.challenges or _("None noted."), small)]
    doc.build(story)
    return out.getvalue()
