"""The tracing section of the PoA/ITI national report, and SDG indicator 16.4.2, for one
country and calendar year: requests sent and received, answered, time to answer, overdue;
the share of seized, found or surrendered weapons whose origin a trace established. As XLSX
and PDF, in French, English or Arabic (right to left, see sync/labels/script.py; the words are
here, no Flask)."""

from __future__ import annotations

import io
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime

from openpyxl import Workbook
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.models import TracingRequest, Weapon
from sync.access.principal import Principal
from sync.labels.script import RTL, fonts, visual

SEIZED = ("seizure", "found", "surrender")


@dataclass(frozen=True)
class Figures:
    country: str
    year: int
    sent: int
    sent_answered: int
    sent_traced: int
    received: int
    received_answered: int
    received_overdue: int
    median_days_to_answer: float | None
    seized: int
    seized_traced: int

    @property
    def sdg_share(self) -> float | None:
        return round(100 * self.seized_traced / self.seized, 1) if self.seized else None


WORDS = {
    "en": {"title": "Tracing: national report on the PoA and the ITI", "country": "Country",
           "year": "Year", "sent": "Tracing requests sent",
           "sent_answered": "of which answered (sent)", "sent_traced":
           "of which traced (sent)",
           "received": "Tracing requests received",
           "received_answered": "of which answered (received)", "received_overdue":
           "of which past their deadline, unanswered",
           "median_days_to_answer": "Median days to answer (received)",
           "seized": "Seized, found or surrendered weapons registered",
           "seized_traced": "of which traced (seized)", "sdg_share":
           "SDG 16.4.2: share traced (%)", "none": "—"},
    "fr": {"title": "Traçage : rapport national sur le PoA et l'ITI", "country": "Pays",
           "year": "Année", "sent": "Demandes de traçage envoyées",
           "sent_answered": "dont répondues (envoyées)", "sent_traced":
           "dont tracées (envoyées)",
           "received": "Demandes de traçage reçues",
           "received_answered": "dont répondues (reçues)",
           "received_overdue": "dont hors délai, sans réponse",
           "median_days_to_answer": "Délai médian de réponse en jours (reçues)",
           "seized": "Armes saisies, trouvées ou remises enregistrées",
           "seized_traced": "dont tracées (saisies)", "sdg_share":
           "ODD 16.4.2 : part tracée (%)", "none": "—"},
    "ar": {"title": "التعقّب: التقرير الوطني عن برنامج العمل والصك الدولي للتعقّب",
           "country": "البلد", "year": "السنة", "sent": "طلبات التعقّب المُرسلة",
           "sent_answered": "منها ما أُجيب عنه (المُرسلة)",
           "sent_traced": "منها ما تُعقّب (المُرسلة)", "received": "طلبات التعقّب الواردة",
           "received_answered": "منها ما أُجيب عنه (الواردة)",
           "received_overdue": "منها ما تجاوز أجله دون جواب",
           "median_days_to_answer": "وسيط أيام الجواب (الواردة)",
           "seized": "الأسلحة المضبوطة أو المعثور عليها أو المسلَّمة المسجّلة",
           "seized_traced": "منها ما تُعقّب (المضبوطة)",
           "sdg_share": "هدف التنمية المستدامة 16.4.2: النسبة المُتعقَّبة (%)", "none": "—"},
}
ROWS = ("sent", "sent_answered", "sent_traced", "received", "received_answered",
        "received_overdue", "median_days_to_answer", "seized", "seized_traced", "sdg_share")


def tracing_figures(session: Session, principal: Principal, *, year: int,
                    now: datetime) -> Figures:
    principal.require("register.reports")
    country = principal.country_code
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    in_year = (TracingRequest.sent_at >= start) & (TracingRequest.sent_at < end)
    sent = list(session.scalars(select(TracingRequest).where(
        TracingRequest.requesting_country == country, in_year)))
    received = list(session.scalars(select(TracingRequest).where(
        TracingRequest.requested_country == country, in_year,
        TracingRequest.received_at.is_not(None))))
    days = [(r.answered_at - r.received_at).total_seconds() / 86400 for r in received
            if r.answered_at]
    seized_ids = select(Weapon.id).where(Weapon.country_code == country,
                                         Weapon.acquisition.in_(SEIZED))
    traced = session.scalar(select(func.count(func.distinct(TracingRequest.seized_weapon_id)))
                            .where(TracingRequest.seized_weapon_id.in_(seized_ids),
                                   TracingRequest.outcome == "traced"))
    return Figures(
        country=country, year=year, sent=len(sent),
        sent_answered=sum(r.answered_at is not None for r in sent),
        sent_traced=sum(r.outcome == "traced" for r in sent), received=len(received),
        received_answered=len(days),
        received_overdue=sum(r.answered_at is None and r.due_at is not None
                             and now > r.due_at for r in received),
        median_days_to_answer=round(statistics.median(days), 1) if days else None,
        seized=session.scalar(select(func.count()).select_from(seized_ids.subquery())),
        seized_traced=traced or 0)


def rows(figures: Figures, lang: str) -> list[tuple[str, object]]:
    words = WORDS.get(lang, WORDS["en"])
    out = [(words["country"], figures.country), (words["year"], figures.year)]
    for name in ROWS:
        value = getattr(figures, name)
        out.append((words[name], words["none"] if value is None else value))
    return out


def as_xlsx(figures: Figures, lang: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "tracing"
    sheet.sheet_view.rightToLeft = lang in RTL
    sheet.append([WORDS.get(lang, WORDS["en"])["title"]])
    for label, value in rows(figures, lang):
        sheet.append([label, value])
    sheet.column_dimensions["A"].width = 55
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_pdf(figures: Figures, lang: str) -> bytes:
    """One page: the title, then a label and its figure per line; in Arabic the labels
    stand on the right and the figures on the left."""
    title, rtl = WORDS.get(lang, WORDS["en"])["title"], lang in RTL
    regular, bold = fonts(lang)
    label_at, value_at = (190 * mm, 20 * mm) if rtl else (20 * mm, 190 * mm)
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4)
    pdf.setTitle(title)
    y = A4[1] - 25 * mm
    pdf.setFont(bold, 14)
    (pdf.drawRightString if rtl else pdf.drawString)(label_at, y, visual(title, rtl))
    pdf.setFont(regular, 11)
    for label, value in rows(figures, lang):
        y -= 8 * mm
        (pdf.drawRightString if rtl else pdf.drawString)(label_at, y, visual(str(label), rtl))
        (pdf.drawString if rtl else pdf.drawRightString)(value_at, y, str(value))
    pdf.showPage()
    pdf.save()
    return out.getvalue()
