"""F4 crate count (open and blind), crate registration on a fresh label, F5 weapon marking.

The crate list reaches the phone as the entity list crates.csv: name = crate UUID, label =
printed label ID, and properties (label_key, depot, location, kind, status, seal_number,
nature, calibre, hazard). It never holds book quantities or lot numbers: the open count form
also attaches crate_book.csv (name, lot_number, quantity, weapons, models), the blind one does
not, so a blind counter's phone has no expected contents anywhere on it.

Each crate form also ships one crate per instance (`…_one`): the same questions without the
repeat, so its entity block is the form's own and pyxform declares entities-version 2024.1.0,
which ODK Collect releases before v2026.1 read (entities inside repeats, 2025.1.0, they
refuse). The server reads both alike: a top-level entity block takes the top-level answers.
"""

from __future__ import annotations

from dataclasses import replace

from forms.sources.common import (
    CONDITIONS,
    CRATE_KINDS,
    LOCATION_CONSTRAINT,
    YES_NO,
    YES_NO_NA,
    Source,
    header,
    label_scan,
    row,
    unlisted_location,
    yes_no_item,
)

CRATE = "instance('crates')/root/item[name=${crate}]"
BOOK = "instance('crate_book')/root/item[name=${crate}]"


def _count_line(blind: bool) -> tuple[dict, ...]:
    """One crate per repeat instance: scan it, look it up, observe it."""
    return (row("begin repeat", "lines", "Crate", "Caisse", "صندوق"), *_lookup(blind), *_observed(),
            row("end repeat"))


def _lookup(blind: bool) -> list[dict]:
    """The scanned crate in the entity list; its book contents unless the count is blind."""
    rows = [
        *label_scan(),
        row("calculate", "crate",
            calculation="instance('crates')/root/item[label_key=${label_key}]/name"),
        row("calculate", "crate_label", calculation=f"coalesce({CRATE}/label, ${{label}})",
            ds_count="crate"),
        row("calculate", "crate_version", calculation=f"{CRATE}/__version",
            ds_count="base_version"),
        row("calculate", "crate_kind", calculation=f"{CRATE}/kind"),
        row("calculate", "location_was", calculation=f"{CRATE}/location", ds_base="location"),
        row("calculate", "seal_was", calculation=f"{CRATE}/seal_number",
            ds_base="seal_number"),
        row("note", "not_listed", "This label is not in the crate list of your depots: "
            "count it anyway, it will be checked at headquarters.",
            "Cette étiquette n'est pas dans la liste des caisses de vos dépôts : comptez-la "
            "quand même, elle sera vérifiée au siège.",
            "هذا الملصق ليس في قائمة صناديق مستودعاتك: عُدّه مع ذلك، وسيُتحقق منه في القيادة "
            "العامة.", relevant="${crate} = ''"),
    ]
    if blind:
        rows.append(row("calculate", "blind", calculation="'yes'", ds_count="blind"))
    else:
        rows += [
            row("calculate", "book_lot", calculation=f"{BOOK}/lot_number"),
            row("calculate", "book_quantity", calculation=f"{BOOK}/quantity"),
            row("calculate", "book_weapons", calculation=f"{BOOK}/weapons"),
            row("note", "expected", "Expected: ${crate_kind}, lot ${book_lot}, "
                "${book_quantity} items, ${book_weapons} weapons",
                "Attendu : ${crate_kind}, lot ${book_lot}, ${book_quantity} éléments, "
                "${book_weapons} armes",
                "المتوقع: ${crate_kind}، الدفعة ${book_lot}، ${book_quantity} قطعة، "
                "${book_weapons} سلاح", relevant="${crate} != ''"),
        ]
    return rows


def _observed() -> list[dict]:
    """What the counter finds, and where the crate is if it moved or was resealed (the
    entity update)."""
    ammo = "${crate_kind} != 'weapon_crate'"
    return [
        row("text", "lot_number", "Lot number read on the package",
            "Numéro de lot lu sur l'emballage", "رقم الدفعة المقروء على العبوة", relevant=ammo,
            ds_count="lot_number"),
        row("integer", "quantity", "Items counted (boxes × items + loose)",
            "Éléments comptés (boîtes × éléments + vrac)",
            "القطع المعدودة (العلب × القطع + السائب)", required="yes", relevant=ammo,
            constraint=". >= 0 and . <= 10000000", ds_count="quantity"),
        row("begin repeat", "serials_seen", "Weapon", "Arme", "سلاح",
            relevant="${crate_kind} = 'weapon_crate'"),
        row("barcode", "serial_scan", "Scan the serial", "Scanner le numéro de série",
            "امسح الرقم التسلسلي"),
        row("text", "serial_typed", "Serial as marked", "Numéro de série tel que marqué",
            "الرقم التسلسلي كما هو موسوم",
            relevant="${serial_scan} = ''", required="yes"),
        row("calculate", "serial", calculation="coalesce(${serial_scan}, ${serial_typed})",
            ds_count="serial"),
        row("end repeat"),
        row("select_one condition", "condition", "Condition", "État", "الحالة الفنية",
            required="yes", ds_count="condition"),
        row("select_one yes_no", "seal_intact", "Seal intact", "Scellé intact", "الختم سليم",
            required="yes", ds_count="seal_intact"),
        row("text", "seal_number", "Seal number read", "Numéro de scellé lu", "رقم الختم المقروء",
            ds_count="seal_number"),
        row("image", "count_photo", "Photo of the crate", "Photo de la caisse", "صورة الصندوق",
            required="${seal_intact} = 'no'", parameters="max-pixels=1600",
            ds_count="photo"),
        row("select_one yes_no", "moved", "Found somewhere other than ${location_was}?",
            "Trouvée ailleurs qu'en ${location_was} ?", "هل وُجد في مكان غير ${location_was}؟",
            relevant="${crate} != ''"),
        row("text", "new_location", "Where it is (building/stack, e.g. B1/A2)",
            "Où elle se trouve (bâtiment/pile, ex. B1/A2)",
            "أين يوجد (المبنى/الكومة، مثل B1/A2)", relevant="${moved} = 'yes'",
            required="yes", constraint=LOCATION_CONSTRAINT, save_to="location"),
        unlisted_location("new_location"),
        row("select_one yes_no", "resealed", "New seal applied?", "Nouveau scellé posé ?",
            "هل وُضع ختم جديد؟", relevant="${crate} != ''"),
        row("text", "new_seal", "New seal number", "Numéro du nouveau scellé",
            "رقم الختم الجديد", relevant="${resealed} = 'yes'", required="yes",
            save_to="seal_number"),
    ]


UPDATE_IF = "${crate} != '' and (${moved} = 'yes' or ${resealed} = 'yes')"
CRATE_UPDATE = ({"dataset": "crates", "entity_id": "${crate}", "update_if": UPDATE_IF},)

CRATE_COUNT = Source(
    form_id="crate_count",
    title="Crate count / Comptage des caisses / عدّ الصناديق",
    version="2026120102",
    survey=(*header(visit="no"), row("csv-external", "crates"),
            row("csv-external", "crate_book"), row("csv-external", "locations"),
            *_count_line(blind=False)),
    choices=(*YES_NO, *CONDITIONS),
    entities=CRATE_UPDATE,
)

CRATE_COUNT_BLIND = Source(
    form_id="crate_count_blind",
    title="Blind crate count / Comptage à l'aveugle / العدّ الأعمى للصناديق",
    version="2026120102",
    survey=(*header(visit="no"), row("csv-external", "crates"),
            row("csv-external", "locations"), *_count_line(blind=True)),
    choices=(*YES_NO, *CONDITIONS),
    entities=CRATE_UPDATE,
)

CRATE_REGISTRATION = Source(
    form_id="crate_registration",
    title="Crate registration / Enregistrement des caisses / تسجيل الصناديق",
    version="2026120102",
    survey=(
        *header(),
        row("csv-external", "crates"),
        row("csv-external", "locations"),
        row("begin repeat", "new_crates", "New crate", "Nouvelle caisse", "صندوق جديد"),
        row("note", "fresh_label", "Stick a fresh pre-printed label on the crate, then scan "
            "it.", "Collez une étiquette pré-imprimée neuve sur la caisse, puis scannez-la.",
            "ألصق ملصقًا جديدًا مطبوعًا مسبقًا على الصندوق، ثم امسحه."),
        *label_scan(),
        row("calculate", "known", calculation="instance('crates')/root/item"
            "[label_key=${label_key}]/name"),
        row("note", "already_used", "This label is already on a crate: use a fresh one.",
            "Cette étiquette est déjà sur une caisse : prenez-en une neuve.",
            "هذا الملصق موجود من قبل على صندوق: استخدم ملصقًا جديدًا.",
            relevant="${known} != ''"),
        row("calculate", "key_saved", calculation="${label_key}", save_to="label_key"),
        row("select_one crate_kind", "kind", "Kind of crate", "Type de caisse", "نوع الصندوق",
            required="yes", save_to="kind"),
        row("text", "location", "Where it is stored (building/stack, e.g. B1/A2)",
            "Où elle est stockée (bâtiment/pile, ex. B1/A2)",
            "أين يُخزَّن (المبنى/الكومة، مثل B1/A2)", required="yes",
            constraint=LOCATION_CONSTRAINT, save_to="location"),
        unlisted_location("location"),
        row("text", "seal_number", "Seal number", "Numéro de scellé", "رقم الختم",
            save_to="seal_number"),
        row("select_one condition", "condition", "Condition", "État", "الحالة الفنية",
            required="yes", save_to="condition"),
        row("image", "crate_photo", "Photo of the labelled crate",
            "Photo de la caisse étiquetée", "صورة الصندوق بعد وضع الملصق", required="yes",
            parameters="max-pixels=1600"),
        row("end repeat"),
    ),
    choices=(*CRATE_KINDS, *CONDITIONS),
    entities=({"dataset": "crates", "label": "${label}"},),
)



def one_crate(source: Source, repeat: str) -> Source:
    """The form with its outer repeat `repeat` unwrapped: one crate per form instance."""
    survey, depth, inside = [], 0, False
    for r in source.survey:
        if r["type"] == "begin repeat" and r["name"] == repeat:
            inside, depth = True, 0
            continue
        if inside and r["type"].startswith("begin"):
            depth += 1
        elif inside and r["type"].startswith("end"):
            if depth == 0:
                inside = False
                continue
            depth -= 1
        survey.append(r)
    en, fr, ar = source.title.split(" / ")
    return replace(source, form_id=f"{source.form_id}_one", survey=tuple(survey),
                   title=f"{en} (one crate) / {fr} (une caisse) / {ar} (صندوق واحد)")


CRATE_COUNT_ONE = one_crate(CRATE_COUNT, "lines")
CRATE_COUNT_BLIND_ONE = one_crate(CRATE_COUNT_BLIND, "lines")
CRATE_REGISTRATION_ONE = one_crate(CRATE_REGISTRATION, "new_crates")

# name, English, French, Arabic, severity if "no"
F5_ITEMS = (
    ("serial_legible", "Serial and manufacturer marks are legible",
     "Le numéro de série et les marques du fabricant sont lisibles",
     "الرقم التسلسلي وعلامات الصانع مقروءة", "major"),
    ("marks_match", "Marks match the record (manufacturer, model, calibre, serial)",
     "Les marques correspondent au registre (fabricant, modèle, calibre, série)",
     "العلامات مطابقة للسجل (الصانع، الطراز، العيار، الرقم التسلسلي)", "critical"),
    ("import_mark", "Import mark present where needed",
     "Marque d'importation présente si nécessaire", "علامة الاستيراد موجودة عند الاقتضاء",
     "major"),
    ("national_marking", "National marking present, read and matching the record",
     "Marquage national présent, lu et conforme au registre",
     "الوسم الوطني موجود ومقروء ومطابق للسجل", "major"),
    ("readable_without_tools", "Marks are readable without tools",
     "Les marques sont lisibles sans outil", "العلامات مقروءة دون أدوات", "minor"),
    ("no_tampering", "No sign of tampering", "Aucun signe d'altération",
     "لا أثر للعبث", "critical"),
)

MARKING_CHECK = Source(
    form_id="marking_check",
    title="Weapon marking check / Contrôle du marquage des armes / فحص وسم الأسلحة",
    version="2026120102",
    survey=(
        *header(visit="no"),
        row("begin repeat", "weapons", "Sampled weapon", "Arme échantillonnée", "سلاح ضمن العيّنة"),
        row("barcode", "serial_scan", "Scan the serial", "Scanner le numéro de série",
            "امسح الرقم التسلسلي"),
        row("text", "serial_typed", "Serial as marked", "Numéro de série tel que marqué",
            "الرقم التسلسلي كما هو موسوم",
            relevant="${serial_scan} = ''", required="yes"),
        row("calculate", "serial", calculation="coalesce(${serial_scan}, ${serial_typed})",
            ds_subject="serial"),
        row("text", "manufacturer", "Manufacturer", "Fabricant", "الصانع", required="yes"),
        row("text", "model", "Model", "Modèle", "الطراز", required="yes"),
        row("text", "marking_read", "National marking as engraved (empty if none)",
            "Marquage national tel que gravé (vide s'il n'y en a pas)",
            "الوسم الوطني كما هو محفور (فارغ إن لم يوجد)",
            hint=("e.g. NE-FAN-2025-000417", "p. ex. NE-FAN-2025-000417",
                  "مثلاً NE-FAN-2025-000417"),
            constraint="string-length(.) <= 64",
            constraint_message=("At most 64 characters.", "64 caractères au plus.",
                                "64 حرفاً على الأكثر.")),
        *(r for item in F5_ITEMS for r in yes_no_item(*item)),
        row("end repeat"),
    ),
    choices=YES_NO_NA,
)
