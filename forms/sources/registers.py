"""The depot's daily registers, kept on the depot's phone (offline like every form): key
issues and returns, the access log, the alarm log and the patrol log. One submission is one
day's sheet of one register; each entry is a repeat instance whose fields say what they are
with ``ds:register`` (at, until, who, what; the rest is kept as the entry's details)."""

from __future__ import annotations

from forms.sources.common import YES_NO, Source, choice, header, row

ALARM_TYPES = tuple(choice("alarm_type", name, en, fr) for name, en, fr in (
    ("intrusion", "Intrusion", "Intrusion"),
    ("fault", "Fault", "Panne"),
    ("false_alarm", "False alarm", "Fausse alarme"),
))


def _register(form_id: str, kind: str, title: str, entry: tuple[str, str],
              fields: tuple[dict, ...], choices: tuple = ()) -> Source:
    return Source(
        form_id=form_id, title=title, version="2026120101",
        survey=(*header(),
                row("calculate", "register", calculation=f"'{kind}'", ds_register="kind"),
                row("begin repeat", "entries", *entry), *fields, row("end repeat")),
        choices=choices)


def _time(name: str, en: str, fr: str, role: str, **cols) -> dict:
    return row("dateTime", name, en, fr, ds_register=role, **cols)


KEY_REGISTER = _register("key_register", "keys", "Key register / Registre des clés",
                         ("Key issued", "Clé remise"), (
    row("text", "key_number", "Key number", "Numéro de clé", required="yes",
        ds_register="what"),
    _time("issued_at", "Issued at", "Remise à", "at", required="yes", default="now()"),
    row("text", "issued_by", "Issued by", "Remise par", required="yes"),
    row("text", "issued_to", "Issued to", "Remise à (personne)", required="yes",
        ds_register="who"),
    _time("returned_at", "Returned at (empty while out)", "Rendue à (vide tant que sortie)",
          "until"),
    row("text", "received_by", "Received back by", "Reçue par",
        relevant="${returned_at} != ''", required="yes"),
))
ACCESS_LOG = _register("access_log", "access", "Access log / Registre des accès",
                       ("Person entering", "Personne entrant"), (
    row("text", "person", "Name", "Nom", required="yes", ds_register="who"),
    row("text", "purpose", "Why", "Motif", required="yes", ds_register="what"),
    _time("time_in", "In at", "Entrée à", "at", required="yes", default="now()"),
    _time("time_out", "Out at", "Sortie à", "until"),
    row("select_one yes_no", "escorted", "Escorted", "Accompagné", required="yes"),
    row("text", "escort", "Escort", "Accompagnateur", relevant="${escorted} = 'yes'",
        required="yes"),
), YES_NO)
ALARM_LOG = _register("alarm_log", "alarm", "Alarm log / Registre d'alarme",
                      ("Alarm", "Alarme"), (
    _time("alarm_at", "When", "Quand", "at", required="yes", default="now()"),
    row("select_one alarm_type", "alarm_type", "Type", "Type", required="yes",
        ds_register="what"),
    row("text", "response", "Response (who went, what they found)",
        "Réponse (qui est intervenu, constat)"),
    _time("responded_at", "Responded at", "Intervention à", "until",
          relevant="${response} != ''"),
), ALARM_TYPES)
PATROL_LOG = _register("patrol_log", "patrol", "Patrol log / Registre des rondes",
                       ("Patrol", "Ronde"), (
    _time("patrol_at", "When", "Quand", "at", required="yes", default="now()"),
    row("text", "patrol_by", "Patrolled by", "Ronde faite par", required="yes",
        ds_register="who"),
    row("text", "remarks", "Remarks", "Observations", ds_register="what"),
))
REGISTERS = (KEY_REGISTER, ACCESS_LOG, ALARM_LOG, PATROL_LOG)
# the F1 items a register answers, when it has entries of the last days (registers.csv)
PREFILLED = {"key_register_kept": "keys", "access_log_current": "access",
             "alarm_log_kept": "alarm", "patrol_log": "patrol"}
