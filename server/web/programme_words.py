"""The programme's indicators, competences, works and PoA questions as a reader sees them,
and how each figure is written (a share with %, a mean RRPL with one decimal)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from sync.programme.indicators import Indicators

# (key, label, kind): kind "share" is a percentage, "mean" an RRPL, "count" a number
ROWS = (
    ("depots", _l("Depots"), "count"),
    ("plans_share", _l("Depots with a current security plan and risk assessment"), "share"),
    ("rrpl_baseline", _l("Mean RRPL at baseline"), "mean"),
    ("rrpl_now", _l("Mean RRPL now"), "mean"),
    ("rrpl_improved", _l("Depots above their baseline RRPL"), "count"),
    ("on_time_share", _l("Findings closed on time"), "share"),
    ("accuracy", _l("Stock-check accuracy"), "share"),
    ("losses", _l("Losses and thefts (vouchers)"), "count"),
    ("items_lost", _l("Items lost or stolen"), "count"),
    ("items_destroyed", _l("Surplus items destroyed"), "count"),
    ("weapons_registered", _l("Weapons held on the register"), "count"),
    ("marked_share", _l("Weapons with a national marking"), "share"),
    ("marked_in_period", _l("Weapons marked in the period"), "count"),
    ("works_handed_over", _l("Rehabilitation works handed over"), "count"),
    ("depots_rehabilitated", _l("Depots rehabilitated (to date)"), "count"),
    ("sops_adopted", _l("National SOPs adopted (to date)"), "count"),
    ("depots_with_sop", _l("Depots applying a national SOP"), "count"),
)

COMPETENCES = {"operator": _l("operator"), "processor": _l("processor"),
               "accountant": _l("accountant"), "supervisor": _l("supervisor"),
               "manager": _l("manager"), "inspector": _l("inspector")}
POSTS = {"commander": _l("depot commander"), "storekeeper": _l("storekeeper"),
         "key_custodian": _l("key custodian"), "inspector": _l("inspector")}
VETTING = {"not_vetted": _l("not vetted"), "pending": _l("vetting pending"),
           "vetted": _l("vetted"), "refused": _l("vetting refused")}
LEVELS = {"regional": _l("regional trainers' course"), "national": _l("national course"),
          "depot": _l("depot course")}
WORKS = {"fence": _l("fence"), "doors": _l("doors"), "racks": _l("racks"),
         "lightning_protection": _l("lightning protection"),
         "containerised_armoury": _l("containerised armoury"), "lighting": _l("lighting"),
         "alarm": _l("alarm"), "fire_safety": _l("fire safety"), "other": _l("other works")}
POA = {
    "standards": _l("National standards and procedures for stockpile management adopted"),
    "sites": _l("Stockpile sites, with a current security plan, rehabilitated"),
    "assessed": _l("Sites assessed against a baseline (mean RRPL at baseline, now)"),
    "inventory": _l("Regular stock checks (lines counted, accuracy)"),
    "losses": _l("Losses and thefts recorded (vouchers, items)"),
    "destruction": _l("Surplus destroyed (vouchers, items)"),
    "marking": _l("Weapons of state stocks marked (held, marked, share)"),
    "training": _l("Stockpile staff trained, per competence"),
    "assistance": _l("International assistance received (funders of works)"),
}

# the figures a PoA answer gives, by key (competences are worded by COMPETENCES)
VALUES = {"depots": _l("depots"), "plans": _l("with a current plan"),
          "rehabilitated": _l("rehabilitated"), "rrpl_baseline": _l("at baseline"),
          "rrpl_now": _l("now"), "lines": _l("lines counted"), "accuracy": _l("accuracy %"),
          "vouchers": _l("vouchers"), "items": _l("items"), "held": _l("held"),
          "marked": _l("marked"), "share": _l("share %"), "sops": _l("SOPs"),
          "funders": _l("funders")}


def poa_values(values: dict) -> str:
    return "; ".join(f"{VALUES.get(k, COMPETENCES.get(k, k))}: {figure(v, 'count')}"
                     for k, v in values.items())


def figure(value: object, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "share":
        return f"{value:.1f} %"
    if kind == "mean":
        return f"{value:.1f}"
    return str(value)


def rows(figures: Indicators) -> list[tuple[str, str]]:
    """Label and written value of every indicator."""
    return [(str(label), figure(getattr(figures, key), kind)) for key, label, kind in ROWS]


def yes_no(answer: bool | None) -> str:
    return "" if answer is None else (_("yes") if answer else _("no"))
