"""The vocabulary the shipped XLSForms are written in: a row helper, shared choice lists and
the header every form starts with.

Rows carry `ds:` bind attributes (namespace DS_NS) that tell the server what an answer means,
so an edited XLSForm keeps working without code changes:

- ``ds:visit``   depot | depot_scan | visit_type | started_at | ended_at | inspectors |
  people_present | position (the visit header, F0) and visit_id (the visit a form belongs
  to: F0 creates it as an entity of the `visits` list, the other forms pick it);
- ``ds:finding`` critical | major | minor on a yes/no item: "no" becomes a finding, with the
  item's ``<name>_comment`` as its text and ``<name>_photo`` as its photo;
- ``ds:subject`` a field whose value names what a finding in the same repeat is about;
- ``ds:count``   crate | quantity | lot_number | condition | seal_intact | seal_number |
  photo | serial | blind | base_version: the fields of one count line (a repeat instance);
- ``ds:base``    a crate property as the phone saw it when the form was filled (the base of
  an entity update, for the three-way merge);
- ``ds:scan``    label: a scanned QR label, signature included, which the server verifies;
- ``ds:closeout`` text | severity | action | owner | due_date | item: one finding of the
  close-out list (a repeat instance, F7);
- ``ds:ack``     commander | commander_at | inspector | inspector_at: who acknowledged the
  close-out on the phone, and when;
- ``ds:surveil`` lot | condition | suspend | reason | crate: one lot's proposed condition
  or suspension (a repeat instance, F6), which opens a safety review item;
- ``ds:register`` kind (keys | access | alarm | patrol, on a top-level calculate) and, in the
  entries repeat, at | until | who | what: one register entry (registers.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DS_NS = "urn:depotsync:xforms"
EN, FR, AR = "English (en)", "Français (fr)", "العربية (ar)"
LANGUAGES = (EN, FR, AR)  # every label, hint, message and choice is in all three


@dataclass(frozen=True)
class Source:
    """One XLSForm as Python data: what forms/xlsform.py writes to an .xlsx workbook."""

    form_id: str
    title: str
    version: str
    survey: tuple[dict[str, Any], ...]
    choices: tuple[dict[str, Any], ...] = ()
    entities: tuple[dict[str, Any], ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)


def row(type_: str, name: str = "", en: str = "", fr: str = "", ar: str = "",
        **cols: Any) -> dict[str, Any]:
    """A survey row. hint=(en, fr, ar) and constraint_message=(en, fr, ar) are translated;
    ds_x=… becomes the bind::ds:x column; the rest are XLSForm columns by name."""
    out: dict[str, Any] = {"type": type_, "name": name}
    if en or fr or ar:
        out.update(zip((f"label::{lang}" for lang in LANGUAGES), (en, fr, ar), strict=True))
    for key, value in cols.items():
        if key in ("hint", "constraint_message"):
            out.update(zip((f"{key}::{lang}" for lang in LANGUAGES), value, strict=True))
        elif key.startswith("ds_"):
            out[f"bind::ds:{key[3:]}"] = value
        else:
            out[key] = value
    return out


def choice(list_name: str, name: str, en: str, fr: str, ar: str) -> dict[str, Any]:
    return {"list_name": list_name, "name": name, f"label::{EN}": en, f"label::{FR}": fr,
            f"label::{AR}": ar}


def choices(list_name: str, *items: tuple[str, str, str, str]) -> tuple[dict[str, Any], ...]:
    """A choice list from (name, English, French, Arabic) tuples."""
    return tuple(choice(list_name, *item) for item in items)


YES_NO_NA = choices(
    "yes_no_na", ("yes", "Yes", "Oui", "نعم"), ("no", "No", "Non", "لا"),
    ("na", "Not applicable", "Sans objet", "لا ينطبق"))
YES_NO = choices("yes_no", ("yes", "Yes", "Oui", "نعم"), ("no", "No", "Non", "لا"))
CONDITIONS = choices(
    "condition",
    ("SERVICEABLE", "Serviceable", "Utilisable", "صالح للخدمة"),
    ("SERVICEABLE_RESTRICTED", "Serviceable, restricted", "Utilisable avec restrictions",
     "صالح للخدمة، مقيَّد"),
    ("SUSPENDED", "Suspended (awaiting inspection)", "Suspendu (en attente d'inspection)",
     "موقوف (بانتظار الفحص)"),
    ("UNSERVICEABLE_REPAIRABLE", "Unserviceable, repairable", "Inutilisable, réparable",
     "غير صالح للخدمة، قابل للإصلاح"),
    ("UNSERVICEABLE_FOR_DISPOSAL", "Unserviceable, for disposal",
     "Inutilisable, à détruire", "غير صالح للخدمة، للإتلاف"),
    ("UNKNOWN", "Unknown", "Inconnu", "غير معروف"),
)
CRATE_KINDS = choices(
    "crate_kind",
    ("ammo_box", "Ammunition box", "Caisse de munitions", "صندوق ذخيرة"),
    ("weapon_crate", "Weapon crate", "Caisse d'armes", "صندوق أسلحة"),
    ("pallet", "Pallet", "Palette", "منصة نقالة"),
    ("fraction_package", "Fraction package", "Colis fractionné", "عبوة جزئية"),
)

# A building/stack code as the server writes it: "B1/A2".
LOCATION_CONSTRAINT = "regex(., '^[A-Za-z0-9_-]{1,16}/[A-Za-z0-9_-]{1,16}$')"


def header(visit: str = "") -> tuple[dict[str, Any], ...]:
    """What every form records first: when it was filled, at which depot and, for the parts
    of a visit, which visit (visit="yes" required, "no" optional, "" not asked). The visits
    list holds the visits of the phone's depots the server knows and those F0 opened on the
    phone itself (an offline entity), so a part can be filled before F0 is sent."""
    rows = [
        row("start", "start", ds_visit="started_at"),
        row("end", "end", ds_visit="ended_at"),
    ]
    if visit:
        rows.append(row("select_one_from_file visits.csv", "visit", "Visit", "Visite",
                        "الزيارة", required=visit, ds_visit="visit_id",
                        hint=("The visit opened with the visit header (F0).",
                              "La visite ouverte avec l'en-tête de visite (F0).",
                              "الزيارة التي فُتحت برأس الزيارة (F0).")))
    rows.append(row("select_one_from_file depots.csv", "depot", "Depot", "Dépôt", "المستودع",
                    required="yes", ds_visit="depot"))
    return tuple(rows)


def yes_no_item(name: str, en: str, fr: str, ar: str, severity: str, *,
                relevant: str = "") -> tuple[dict[str, Any], ...]:
    """A checklist item: yes / no / not applicable; "no" needs a comment and a photo and
    becomes a finding of the given severity."""
    is_no = f"${{{name}}} = 'no'"
    when = f"({relevant}) and {is_no}" if relevant else is_no
    item = row("select_one yes_no_na", name, en, fr, ar, required="yes",
               ds_finding=severity)
    if relevant:
        item["relevant"] = relevant
    return (
        item,
        row("text", f"{name}_comment", "What is wrong?", "Qu'est-ce qui ne va pas ?",
            "ما الخلل؟", required="yes", relevant=when),
        row("image", f"{name}_photo", "Photo of the problem", "Photo du problème",
            "صورة المشكلة", required="yes", relevant=when, parameters="max-pixels=1600"),
    )


def label_scan(prefix: str = "") -> tuple[dict[str, Any], ...]:
    """Scan a crate label, or type it when the camera fails.

    `label` is the ID without the QR code's signature (the part after a dot); `label_key`
    is that ID upper-cased, with O, I, Q, U read as 0, 1, 0, V and separators dropped: the
    key the entity list is searched by, however the ID was entered."""
    scan, typed = f"{prefix}label_scan", f"{prefix}label_typed"
    raw = f"normalize-space(coalesce(${{{scan}}}, ${{{typed}}}))"
    label = f"substring-before(concat({raw}, '.'), '.')"
    return (
        row("barcode", scan, "Scan the crate label", "Scanner l'étiquette de la caisse",
            "امسح ملصق الصندوق", ds_scan="label",
            hint=("If the camera cannot read it, leave this empty and type the ID next.",
                  "Si la caméra ne la lit pas, laissez vide et saisissez l'identifiant.",
                  "إذا تعذّر على الكاميرا قراءته، فاترك هذه الخانة فارغة واكتب المعرّف بعدها.")),
        row("text", typed, "Label ID (as printed)", "Identifiant de l'étiquette (imprimé)",
            "معرّف الملصق (كما هو مطبوع)", required="yes", relevant=f"${{{scan}}} = ''",
            constraint="string-length(.) >= 11 and string-length(.) <= 24",
            constraint_message=("Type the ID printed under the QR code, e.g. NE-NMY-000123-7.",
                                "Saisissez l'identifiant imprimé, ex. NE-NMY-000123-7.",
                                "اكتب المعرّف المطبوع تحت رمز QR، مثل NE-NMY-000123-7.")),
        row("calculate", f"{prefix}label", calculation=label),
        row("calculate", f"{prefix}label_key",
            calculation=(f"translate(translate({label}, 'abcdefghijklmnopqrstuvwxyz', "
                         "'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), 'OIQU-_ ', '010V')")),
    )
