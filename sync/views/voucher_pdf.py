"""A movement voucher as PDF (reportlab), in French, English or Arabic (right to left, see
sync/labels/script.py): its number, type, authority document, lines, transport, and the
signatures block (issuer, receiver, approver, witnesses: who and when). No Flask; the words are
here for every language."""

from __future__ import annotations

import io
from datetime import tzinfo

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy.orm import Session

from server.models import Crate, Movement, User, Weapon
from server.models.ledger import MovementType as MT
from sync.labels.script import RTL, fonts, visual

WORDS = {
    "en": {"title": "Movement voucher", "type": "Type", "date": "Date", "authority":
           "Authority document", "party": "From / to", "lines": "Lines", "transport":
           "Transport", "vehicle": "Vehicle", "escort": "Escort", "seals": "Seals",
           "signatures": "Signatures", "issuer": "Issued by", "receiver": "Received by",
           "originator": "Originator", "approver": "Approved by", "witnesses": "Witnesses",
           "certificate": "Destruction certificate", "signed": "signed", "crate": "Crate",
           "quantity": "Quantity", "weapon": "Weapon", "status": "status"},
    "fr": {"title": "Bon de mouvement", "type": "Type", "date": "Date", "authority":
           "Document d'autorisation", "party": "Provenance / destination", "lines": "Lignes",
           "transport": "Transport", "vehicle": "Véhicule", "escort": "Escorte", "seals":
           "Scellés", "signatures": "Signatures", "issuer": "Remis par", "receiver":
           "Reçu par", "originator": "Initiateur", "approver": "Approuvé par", "witnesses":
           "Témoins", "certificate": "Procès-verbal de destruction", "signed": "signé le",
           "crate": "Caisse", "quantity": "Quantité", "weapon": "Arme", "status": "statut"},
    "ar": {"title": "سند حركة", "type": "النوع", "date": "التاريخ", "authority":
           "وثيقة الإذن", "party": "المصدر / الوجهة", "lines": "الأسطر", "transport": "النقل",
           "vehicle": "المركبة", "escort": "المرافقة", "seals": "الأختام",
           "signatures": "التوقيعات", "issuer": "سلّمه", "receiver": "استلمه",
           "originator": "المُنشئ", "approver": "اعتمده", "witnesses": "الشهود",
           "certificate": "محضر الإتلاف", "signed": "وقّع في", "crate": "صندوق",
           "quantity": "الكمية", "weapon": "سلاح", "status": "الوضع"},
}
TYPES = {"fr": {"receipt": "réception", "issue": "sortie", "return": "retour",
                "transfer_out": "transfert sortant", "transfer_in": "transfert entrant",
                "relocation": "déplacement", "adjustment": "ajustement", "loss": "perte",
                "theft": "vol", "found": "retrouvé", "write_off": "radiation",
                "destruction": "destruction", "export": "exportation",
                "condition_change": "changement d'état", "marking": "marquage"},
         "ar": {"receipt": "استلام", "issue": "صرف", "return": "إرجاع",
                "transfer_out": "تحويل صادر", "transfer_in": "تحويل وارد",
                "relocation": "نقل داخلي", "adjustment": "تسوية", "loss": "فقدان",
                "theft": "سرقة", "found": "عُثر عليه", "write_off": "شطب",
                "destruction": "إتلاف", "export": "تصدير",
                "condition_change": "تغيير الحالة الفنية", "marking": "وسم"}}


def _line_text(session: Session, line, w: dict) -> str:
    if line.weapon_id:
        weapon = session.get(Weapon, line.weapon_id)
        return (f"{w['weapon']} {weapon.manufacturer} {weapon.model} {weapon.serial} "
                f"({w['status']}: {line.weapon_status})")
    crate = session.get(Crate, line.crate_id)
    lot = crate.lot
    what = f"{lot.item_type.calibre} {lot.item_type.type} lot {lot.lot_number or '?'}" if lot \
        else ""
    return f"{w['crate']} {crate.label_id}  {what}  {w['quantity']} {line.quantity:+d}"


def voucher_pdf(session: Session, movement: Movement, *, language: str, zone: tzinfo) -> bytes:
    w = WORDS.get(language, WORDS["en"])
    regular, bold = fonts(language)
    rtl = language in RTL
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{w['title']} {movement.voucher_number}")
    y = A4[1] - 20 * mm
    for text, size, style in _voucher_text(session, movement, w, language, zone):
        if y < 20 * mm:
            pdf.showPage()
            y = A4[1] - 20 * mm
        y -= {"head": 4 * mm, "sign": 0}.get(style, 0)
        pdf.setFont(bold if style == "head" else regular, size)
        if rtl:  # mirrored: text from the right margin, the line to sign on at the left
            pdf.drawRightString(190 * mm, y, visual(text[:110], rtl))
        else:
            pdf.drawString(20 * mm, y, text[:110])
        if style == "sign":  # a line to sign on
            start = 20 * mm if rtl else 130 * mm
            pdf.line(start, y - 1 * mm, start + 60 * mm, y - 1 * mm)
            y -= 3 * mm
        y -= size * 1.5
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _voucher_text(session: Session, movement: Movement, w: dict, language: str,
                  zone: tzinfo) -> list[tuple[str, float, str]]:
    """(text, size, style) in reading order; style head, sign or plain."""
    def when(value) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "—"

    kind = MT(movement.type).value
    out = [(f"{w['title']} {movement.voucher_number}", 16, "head"),
           (f"{w['type']}: {TYPES.get(language, {}).get(kind, kind)}", 10, ""),
           (f"{w['date']}: {when(movement.occurred_at)}", 10, ""),
           (f"{w['authority']}: {movement.document_ref or '—'}", 10, ""),
           (f"{w['party']}: {movement.counterparty or '—'}", 10, "")]
    if movement.certificate_ref:
        out.append((f"{w['certificate']}: {movement.certificate_ref}", 10, ""))
    out.append((w["lines"], 12, "head"))
    out += [(f"{ln.line_no}. {_line_text(session, ln, w)}", 9, "") for ln in movement.lines]
    if movement.transport:
        t = movement.transport
        out += [(w["transport"], 12, "head"),
                (f"{w['vehicle']}: {t.get('vehicle') or '—'}  ·  {w['escort']}: "
                 f"{t.get('escort') or '—'}  ·  {w['seals']}: "
                 f"{', '.join(t.get('seals') or []) or '—'}", 10, "")]
    originator, approver = (session.get(User, uid) if uid else None
                            for uid in (movement.originator_id, movement.approver_id))
    people = [(w["issuer"], movement.issuer, movement.issuer_signed_at),
              (w["receiver"], movement.receiver, movement.receiver_signed_at),
              (w["originator"], originator and (originator.full_name or originator.username),
               movement.recorded_at),
              (w["approver"], approver and (approver.full_name or approver.username),
               movement.recorded_at if approver else None)]
    out.append((w["signatures"], 12, "head"))
    out += [(f"{role}: {name or '—'}   {w['signed']} {when(at)}", 10, "sign")
            for role, name, at in people]
    if movement.witnesses:
        out.append((f"{w['witnesses']}: {', '.join(movement.witnesses)}", 10, ""))
    return out
