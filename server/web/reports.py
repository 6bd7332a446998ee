"""The inspection report as a PDF a depot commander signs and files: the visit's facts, its
answers, findings and counts, in French, English or Arabic (right to left: columns mirrored,
text in the vendored Arabic font), with a signature block. Drawn with reportlab (as labels
are); every text from a phone is escaped before reportlab reads its markup, or drawn as plain
text in Arabic."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from flask import g, request, send_file
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from server.db import db, utcnow
from server.web import bp, login_required
from server.web.schemas import ReportArgs
from server.web.templating import answer, form_title, local
from server.web.vocabulary import word
from sync.labels.script import RTL, RightToLeft, fonts
from sync.views.inspection_detail import InspectionView, inspection_view

GRID = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                   ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTSIZE", (0, 0), (-1, -1), 8)])


@bp.get("/inspections/<submission_id>/report.pdf")
@login_required
def inspection_report(submission_id: str):
    lang = ReportArgs().load(request.args)["lang"] or str(get_locale())
    with force_locale(lang):
        view = inspection_view(db.session, g.principal, submission_id, lang, now=utcnow())
        pdf = render_report(view)
    db.session.commit()  # a restricted read (serial lists) is audited
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=(
        f"inspection-{view.submission.id[:8]}-{lang}.pdf"))


def render_report(view: InspectionView) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm,
                            title=_("Inspection report"), author="depotsync")
    doc.build(_story(view))
    return out.getvalue()


def _rtl() -> bool:
    return str(get_locale()) in RTL


def _p(text: object, style) -> Paragraph | RightToLeft:
    if _rtl():
        regular, bold = fonts(str(get_locale()))
        return RightToLeft(text, bold if "Bold" in style.fontName else regular,
                           style.fontSize, style.leading)
    return Paragraph(escape(str(text)), style)


def _story(view: InspectionView) -> list:
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=8,
                                                                leading=10)
    sub = view.submission
    tz = sub.depot.timezone if sub.depot else None
    depot = f"{sub.depot.code} — {sub.depot.name}" if sub.depot else "—"
    story = [_p(_("Inspection report"), styles["Title"]),
             _p(f"{form_title(sub.form_id)} · {depot}", styles["Heading3"])]
    facts = [(_("Visit type"), word(sub.visit_type) or "—"),
             (_("Inspector"), sub.user.full_name or sub.user.username if sub.user else "—"),
             (_("Recorded on the phone"), f"{local(sub.started_at, tz)} → "
                                           f"{local(sub.ended_at, tz)}"),
             (_("Received by the server"), local(sub.received_at, tz)),
             (_("Status"), word(sub.status)), (_("Instance ID"), sub.instance_id)]
    story += [_table([[_p(k, small), _p(v, small)] for k, v in facts], [45 * mm, None],
                     header=False), Spacer(1, 4 * mm)]
    story += _section(_("Answers"), [_("Section"), _("Question"), _("Answer")],
                      [[a.section, a.label, answer(a.value)] for a in view.answers
                       if a.value not in (None, "")], small,
                      styles, [25 * mm, 85 * mm, None])
    story += _section(_("Findings"), [_("Severity"), _("Item"), _("Finding")],
                      [[word(f.severity), f"{f.section} {f.item}", f.text]
                       for f in view.findings], small, styles, [22 * mm, 45 * mm, None])
    story += _section(_("Crates counted"), [_("Crate"), _("Book"), _("Observed"), _("Seal")],
                      [[c.crate_label, c.book, "—" if c.observed is None else c.observed,
                        _("intact") if c.seal_intact else _("broken")
                        if c.seal_intact is False else "—"] for c in view.counts],
                      small, styles, [55 * mm, 25 * mm, 25 * mm, None])
    return story + _signatures(body, styles)


def _section(title: str, head: list[str], rows: list[list], style, styles,
             widths: list) -> list:
    if not rows:
        return [_p(title, styles["Heading2"]), _p(_("None."), style)]
    cells = [[_p(h, style) for h in head]] + [[_p(v, style) for v in row] for row in rows]
    return [_p(title, styles["Heading2"]), _table(cells, widths), Spacer(1, 3 * mm)]


def _table(cells: list[list], widths: list, *, header: bool = True) -> Table:
    if _rtl():  # the first column on the right
        cells, widths = [row[::-1] for row in cells], widths[::-1]
    table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    table.setStyle(GRID if header else TableStyle(
        [("VALIGN", (0, 0), (-1, -1), "TOP"), ("GRID", (0, 0), (-1, -1), 0.3, colors.grey)]))
    return table


def _signatures(body, styles) -> list:
    blank = "_" * 28
    # each word a call of its own, outside the f-strings, so that pybabel extracts it
    name, day, signature = _("Name"), _("Date"), _("Signature")
    rows = [[_p(_("Inspector"), body), _p(_("Depot commander"), body)],
            [_p(f"{name}: {blank}", body), _p(f"{name}: {blank}", body)],
            [_p(f"{day}: {blank}", body), _p(f"{day}: {blank}", body)],
            [_p(f"{signature}:", body), _p(f"{signature}:", body)],
            [Spacer(1, 18 * mm), Spacer(1, 18 * mm)]]
    if _rtl():
        rows = [row[::-1] for row in rows]
    return [Spacer(1, 6 * mm), _p(_("Signatures"), styles["Heading2"]),
            Table(rows, colWidths=[87 * mm, 87 * mm])]
