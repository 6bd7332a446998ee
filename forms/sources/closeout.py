"""F3 records audit and F7 close-out, the last form of a visit: the findings list with
severity, corrective action, owner and due date, and the acknowledgements of the depot
commander and the inspector (who, and when, both recorded on the phone)."""

from __future__ import annotations

from forms.sources.common import YES_NO_NA, Source, choice, header, row, yes_no_item

# name, English, French, severity if "no"
F3_ITEMS = (
    ("ledgers_current", "Weapon and ammunition ledgers exist and are current",
     "Les registres des armes et des munitions existent et sont à jour", "critical"),
    ("vouchers_on_file", "Movement vouchers are on file for the sample checked",
     "Les bons de mouvement de l'échantillon contrôlé sont classés", "major"),
    ("full_check_done", "A 100% check was done within the country's period",
     "Un contrôle à 100 % a été fait dans le délai national", "major"),
    ("discrepancies_reported", "The discrepancy register is kept and each item reported",
     "Le registre des écarts est tenu et chaque écart signalé", "critical"),
    ("issue_register_current", "The issue/return register is current",
     "Le registre des sorties et retours est à jour", "major"),
    ("records_secured", "Records are stored securely",
     "Les registres sont conservés en lieu sûr", "major"),
    ("surplus_separate", "Surplus stock is recorded separately",
     "Les surplus sont enregistrés à part", "minor"),
)
F3_DETAILS = {
    "ledgers_current": (row("text", "last_voucher", "Last voucher number",
                            "Dernier numéro de bon"),),
    "full_check_done": (row("date", "last_full_check", "Date of the last 100% check",
                            "Date du dernier contrôle à 100 %"),
                        row("text", "last_full_check_result", "Its result",
                            "Son résultat"),),
    "discrepancies_reported": (row("integer", "open_discrepancies",
                                   "Open items in the register", "Écarts encore ouverts",
                                   constraint=". >= 0 and . < 100000"),),
}


def _audit() -> tuple[dict, ...]:
    rows: list[dict] = []
    for name, en, fr, severity in F3_ITEMS:
        rows += yes_no_item(name, en, fr, severity)
        for extra in F3_DETAILS.get(name, ()):
            rows.append({**extra, "relevant": f"${{{name}}} = 'yes'"})
    return tuple(rows)


RECORDS_AUDIT = Source(
    form_id="records_audit",
    title="Records audit / Audit des registres",
    version="2026120101",
    survey=(*header(visit="yes"), *_audit()),
    choices=YES_NO_NA,
)

SEVERITY = tuple(choice("severity", name, en, fr) for name, en, fr in (
    ("critical", "Critical", "Critique"),
    ("major", "Major", "Majeur"),
    ("minor", "Minor", "Mineur"),
))
SIGNATURE = "max-pixels=800"


def _acknowledgement(who: str, en: str, fr: str) -> tuple[dict, ...]:
    """Who acknowledges (a user of the country), their signature, and the phone's clock at
    that moment (once: it does not move when the form is opened again)."""
    return (
        row("select_one_from_file users.csv", who, en, fr, required="yes", ds_ack=who),
        row("image", f"{who}_signature", "Signature", "Signature", required="yes",
            appearance="signature", parameters=SIGNATURE),
        row("calculate", f"{who}_at", calculation=f"if(${{{who}_signature}} = '', '', "
            "once(format-date-time(now(), '%Y-%m-%dT%H:%M:%S%3%z')))", ds_ack=f"{who}_at"),
    )


CLOSE_OUT = Source(
    form_id="close_out",
    title="Close-out / Clôture de visite",
    version="2026120101",
    survey=(
        *header(visit="yes"),
        row("begin repeat", "findings", "Finding", "Constat"),
        row("text", "finding_item", "Checklist item (if any)", "Point de la liste (s'il y a)",
            ds_closeout="item"),
        row("text", "finding_text", "What was found", "Ce qui a été constaté", required="yes",
            ds_closeout="text"),
        row("select_one severity", "finding_severity", "Severity", "Gravité", required="yes",
            ds_closeout="severity"),
        row("text", "finding_action", "Corrective action", "Mesure corrective",
            required="yes", ds_closeout="action"),
        row("select_one_from_file users.csv", "finding_owner", "Who carries it out",
            "Responsable de la mesure", required="yes", ds_closeout="owner"),
        row("date", "finding_due", "Due date", "Échéance", required="yes",
            constraint=". >= today()", ds_closeout="due_date",
            constraint_message=("The due date cannot be in the past.",
                                "L'échéance ne peut pas être passée.")),
        row("end repeat"),
        *_acknowledgement("commander", "Depot commander acknowledging",
                          "Chef de dépôt qui prend acte"),
        *_acknowledgement("inspector", "Inspector signing", "Inspecteur qui signe"),
    ),
    choices=SEVERITY,
)
