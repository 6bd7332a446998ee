"""The stock voucher on the phone: a depot commander records a receipt, an issue or a return
where there is no link. Each line is a crate (scanned or typed) and a quantity. The server
turns the submission into the op voucher.create, the same voucher the JSON door's op makes,
under the same rules (who may post, the two-person queue, held for review rather than below
zero)."""

from __future__ import annotations

from forms.sources.common import Source, choices, header, label_scan, row

VOUCHER_TYPES = choices(
    "voucher_type",
    ("receipt", "Receipt", "Réception", "استلام"),
    ("issue", "Issue (to a unit or a person)", "Sortie (à une unité ou une personne)",
     "صرف (إلى وحدة أو شخص)"),
    ("return", "Return (from a unit or a person)",
     "Réintégration (d'une unité ou d'une personne)", "إرجاع (من وحدة أو شخص)"),
)

STOCK_VOUCHER = Source(
    form_id="stock_voucher", title="Stock voucher / Bon de mouvement / سند حركة المخزون",
    version="2026120101",
    survey=(
        *header(),
        row("select_one voucher_type", "voucher_type", "Movement", "Mouvement", "الحركة",
            required="yes", ds_voucher="type"),
        row("text", "document_ref", "Authority document (order, delivery note…)",
            "Document d'autorité (ordre, bordereau…)", "وثيقة التفويض (أمر، إشعار تسليم…)",
            required="yes", ds_voucher="document_ref"),
        row("text", "counterparty", "Unit or person (to or from)",
            "Unité ou personne (destinataire ou provenance)", "الوحدة أو الشخص (إلى أو من)",
            required="yes", ds_voucher="counterparty"),
        row("dateTime", "occurred_at", "When", "Quand", "متى", required="yes",
            default="now()", ds_voucher="occurred_at"),
        row("text", "issuer", "Issued by (name, rank)", "Remis par (nom, grade)",
            "سلّمه (الاسم، الرتبة)", required="yes", ds_voucher="issuer"),
        row("text", "receiver", "Received by (name, rank)", "Reçu par (nom, grade)",
            "استلمه (الاسم، الرتبة)", required="yes", ds_voucher="receiver"),
        row("begin repeat", "lines", "Crate", "Caisse", "صندوق"),
        *label_scan(),
        row("calculate", "crate", calculation="${label}", ds_voucher="crate"),
        row("integer", "quantity", "Quantity (items)", "Quantité (éléments)",
            "الكمية (وحدات)", required="yes", constraint=". > 0 and . <= 10000000",
            constraint_message=("A whole number of items, at least 1.",
                                "Un nombre entier d'éléments, au moins 1.",
                                "عدد صحيح من الوحدات، واحد على الأقل."),
            ds_voucher="quantity"),
        row("end repeat"),
    ),
    choices=VOUCHER_TYPES)
