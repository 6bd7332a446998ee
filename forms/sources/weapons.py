"""Weapon registration (the national register, ITI para 8): one repeat instance per weapon,
with the manufacturer's marks, the import marks, the national (ECOWAS-format) marking read as
its parts, where the marks are and a photo of them. The server checks the marking against the
country's format and registers each weapon (sync/register/records.py); one it cannot register
flags the submission, never refuses it."""

from __future__ import annotations

from forms.sources.common import Source, choices, header, row

POSITIONS = choices(
    "position", ("receiver", "Receiver", "Boîte de culasse", "علبة الترباس"),
    ("slide", "Slide", "Glissière", "المنزلق"), ("frame", "Frame", "Carcasse", "الهيكل"),
    ("barrel", "Barrel", "Canon", "السبطانة"), ("bolt", "Bolt", "Culasse", "الترباس"),
    ("stock", "Stock", "Crosse", "الأخمص"), ("other", "Other", "Autre", "أخرى"))
ACQUISITIONS = choices(
    "acquisition", ("procurement", "Procurement", "Achat", "شراء"),
    ("import", "Import", "Importation", "استيراد"),
    ("transfer", "Transfer from another state body", "Cession d'un autre service de l'État",
     "نقل من جهة حكومية أخرى"),
    ("seizure", "Seizure", "Saisie", "مصادرة"), ("found", "Found", "Trouvée", "عُثر عليه"),
    ("surrender", "Surrendered", "Remise volontaire", "تسليم طوعي"))
YEAR = ". = '' or (. >= 1850 and . <= 2100)"
COUNTRY = "regex(., '^[A-Za-z]{2}$')"
TWO_LETTERS = ("Two letters, e.g. RU", "Deux lettres, ex. RU", "حرفان، مثل RU")

WEAPON_REGISTRATION = Source(
    form_id="weapon_registration",
    title="Weapon registration / Enregistrement des armes / تسجيل الأسلحة",
    version="2026120101",
    survey=(
        *header(),
        row("begin repeat", "weapons", "Weapon", "Arme", "سلاح"),
        row("text", "manufacturer", "Manufacturer", "Fabricant", "الصانع", required="yes"),
        row("text", "model", "Model", "Modèle", "الطراز", required="yes"),
        row("text", "type", "Type (rifle, pistol…)", "Type (fusil, pistolet…)",
            "النوع (بندقية، مسدس…)"),
        row("text", "calibre", "Calibre", "Calibre", "العيار"),
        row("text", "serial", "Serial as marked (empty if illegible)",
            "Numéro de série tel que marqué (vide s'il est illisible)",
            "الرقم التسلسلي كما هو منقوش (فارغ إن كان غير مقروء)"),
        row("text", "registry_serial", "Registry serial given", "Numéro de registre attribué",
            "رقم السجل الممنوح", relevant="${serial} = ''", required="yes"),
        row("text", "country_of_manufacture", "Country of manufacture (2 letters)",
            "Pays de fabrication (2 lettres)", "بلد الصنع (حرفان)", required="yes",
            constraint=COUNTRY, constraint_message=TWO_LETTERS),
        row("integer", "year", "Year of manufacture", "Année de fabrication", "سنة الصنع",
            constraint=YEAR),
        row("text", "import_country", "Import mark: country", "Marque d'importation : pays",
            "علامة الاستيراد: البلد", constraint=f". = '' or {COUNTRY}",
            constraint_message=TWO_LETTERS),
        row("integer", "import_year", "Import mark: year", "Marque d'importation : année",
            "علامة الاستيراد: السنة", constraint=YEAR),
        row("text", "marking_agency", "National marking: agency code",
            "Marquage national : code du service", "الوسم الوطني: رمز الجهة"),
        row("integer", "marking_year", "National marking: year", "Marquage national : année",
            "الوسم الوطني: السنة", relevant="${marking_agency} != ''", required="yes",
            constraint=YEAR),
        row("text", "marking_number", "National marking: number", "Marquage national : numéro",
            "الوسم الوطني: الرقم", relevant="${marking_agency} != ''", required="yes"),
        row("select_multiple position", "marking_positions", "Where the marks are",
            "Emplacement des marques", "موضع العلامات"),
        row("image", "marking_photo", "Photo of the marks", "Photo des marques",
            "صورة العلامات", parameters="max-pixels=1600"),
        row("select_one acquisition", "acquisition", "How the state came to hold it",
            "Mode d'acquisition par l'État", "كيف آل السلاح إلى الدولة"),
        row("end repeat"),
    ),
    choices=(*POSITIONS, *ACQUISITIONS),
)
