"""F3 records audit and F7 close-out, the last form of a visit: the findings list with
severity, corrective action, owner and due date, and the acknowledgements of the depot
commander and the inspector (who, and when, both recorded on the phone)."""

from __future__ import annotations

from forms.sources.common import YES_NO_NA, Source, choices, header, row, yes_no_item

# name, English, French, Arabic, severity if "no"
F3_ITEMS = (
    ("ledgers_current", "Weapon and ammunition ledgers exist and are current",
     "Les registres des armes et des munitions existent et sont à jour",
     "سجلات الأسلحة والذخيرة موجودة ومحدَّثة", "critical"),
    ("vouchers_on_file", "Movement vouchers are on file for the sample checked",
     "Les bons de mouvement de l'échantillon contrôlé sont classés",
     "سندات الحركة محفوظة للعيّنة المفحوصة", "major"),
    ("full_check_done", "A 100% check was done within the country's period",
     "Un contrôle à 100 % a été fait dans le délai national",
     "أُجري جرد كامل (100%) ضمن المدة التي يحددها البلد", "major"),
    ("discrepancies_reported", "The discrepancy register is kept and each item reported",
     "Le registre des écarts est tenu et chaque écart signalé",
     "سجل الفوارق ممسوك وأُبلغ عن كل فارق", "critical"),
    ("issue_register_current", "The issue/return register is current",
     "Le registre des sorties et retours est à jour", "سجل الصرف والإرجاع محدَّث", "major"),
    ("records_secured", "Records are stored securely",
     "Les registres sont conservés en lieu sûr", "السجلات محفوظة في مكان آمن", "major"),
    ("surplus_separate", "Surplus stock is recorded separately",
     "Les surplus sont enregistrés à part", "المخزون الفائض مسجَّل على حدة", "minor"),
)
F3_DETAILS = {
    "ledgers_current": (row("text", "last_voucher", "Last voucher number",
                            "Dernier numéro de bon", "رقم آخر سند"),),
    "full_check_done": (row("date", "last_full_check", "Date of the last 100% check",
                            "Date du dernier contrôle à 100 %", "تاريخ آخر جرد كامل (100%)"),
                        row("text", "last_full_check_result", "Its result",
                            "Son résultat", "نتيجته"),),
    "discrepancies_reported": (row("integer", "open_discrepancies",
                                   "Open items in the register", "Écarts encore ouverts",
                                   "الفوارق التي ما زالت مفتوحة في السجل",
                                   constraint=". >= 0 and . < 100000"),),
}


def _audit() -> tuple[dict, ...]:
    rows: list[dict] = []
    for name, en, fr, ar, severity in F3_ITEMS:
        rows += yes_no_item(name, en, fr, ar, severity)
        for extra in F3_DETAILS.get(name, ()):
            rows.append({**extra, "relevant": f"${{{name}}} = 'yes'"})
    return tuple(rows)


RECORDS_AUDIT = Source(
    form_id="records_audit",
    title="Records audit / Audit des registres / تدقيق السجلات",
    version="2026120101",
    survey=(*header(visit="yes"), *_audit()),
    choices=YES_NO_NA,
)

SEVERITY = choices(
    "severity", ("critical", "Critical", "Critique", "حرجة"),
    ("major", "Major", "Majeur", "جسيمة"), ("minor", "Minor", "Mineur", "طفيفة"))
SIGNATURE = "max-pixels=800"


def _acknowledgement(who: str, en: str, fr: str, ar: str) -> tuple[dict, ...]:
    """Who acknowledges (a user of the country), their signature, and the phone's clock at
    that moment (once: it does not move when the form is opened again)."""
    return (
        row("select_one_from_file users.csv", who, en, fr, ar, required="yes", ds_ack=who),
        row("image", f"{who}_signature", "Signature", "Signature", "التوقيع", required="yes",
            appearance="signature", parameters=SIGNATURE),
        row("calculate", f"{who}_at", calculation=f"if(${{{who}_signature}} = '', '', "
            "once(format-date-time(now(), '%Y-%m-%dT%H:%M:%S%3%z')))", ds_ack=f"{who}_at"),
    )


CLOSE_OUT = Source(
    form_id="close_out",
    title="Close-out / Clôture de visite / اختتام الزيارة",
    version="2026120101",
    survey=(
        *header(visit="yes"),
        row("begin repeat", "findings", "Finding", "Constat", "ملاحظة"),
        row("text", "finding_item", "Checklist item (if any)", "Point de la liste (s'il y a)",
            "بند قائمة التحقق (إن وُجد)", ds_closeout="item"),
        row("text", "finding_text", "What was found", "Ce qui a été constaté",
            "ما تمت ملاحظته", required="yes", ds_closeout="text"),
        row("select_one severity", "finding_severity", "Severity", "Gravité", "الخطورة",
            required="yes", ds_closeout="severity"),
        row("text", "finding_action", "Corrective action", "Mesure corrective",
            "الإجراء التصحيحي", required="yes", ds_closeout="action"),
        row("select_one_from_file users.csv", "finding_owner", "Who carries it out",
            "Responsable de la mesure", "المسؤول عن تنفيذه", required="yes",
            ds_closeout="owner"),
        row("date", "finding_due", "Due date", "Échéance", "تاريخ الاستحقاق", required="yes",
            constraint=". >= today()", ds_closeout="due_date",
            constraint_message=("The due date cannot be in the past.",
                                "L'échéance ne peut pas être passée.",
                                "لا يمكن أن يكون تاريخ الاستحقاق في الماضي.")),
        row("end repeat"),
        *_acknowledgement("commander", "Depot commander acknowledging",
                          "Chef de dépôt qui prend acte", "آمر المستودع المُقِرّ"),
        *_acknowledgement("inspector", "Inspector signing", "Inspecteur qui signe",
                          "المفتش الموقِّع"),
    ),
    choices=SEVERITY,
)
