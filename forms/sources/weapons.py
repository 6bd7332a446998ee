"""Weapon registration (the national register, ITI para 8): one repeat instance per weapon,
with the manufacturer's marks, the import marks, the national (ECOWAS-format) marking read as
its parts, where the marks are and a photo of them. The server checks the marking against the
country's format and registers each weapon (sync/register/records.py); one it cannot register
flags the submission, never refuses it."""

from __future__ import annotations

from forms.sources.common import Source, choice, header, row

POSITIONS = tuple(choice("position", name, en, fr) for name, en, fr in (
    ("receiver", "Receiver", "Boîte de culasse"), ("slide", "Slide", "Glissière"),
    ("frame", "Frame", "Carcasse"), ("barrel", "Barrel", "Canon"),
    ("bolt", "Bolt", "Culasse"), ("stock", "Stock", "Crosse"), ("other", "Other", "Autre"),
))
ACQUISITIONS = tuple(choice("acquisition", name, en, fr) for name, en, fr in (
    ("procurement", "Procurement", "Achat"), ("import", "Import", "Importation"),
    ("transfer", "Transfer from another state body", "Cession d'un autre service de l'État"),
    ("seizure", "Seizure", "Saisie"), ("found", "Found", "Trouvée"),
    ("surrender", "Surrendered", "Remise volontaire"),
))
YEAR = ". = '' or (. >= 1850 and . <= 2100)"
COUNTRY = "regex(., '^[A-Za-z]{2}$')"

WEAPON_REGISTRATION = Source(
    form_id="weapon_registration",
    title="Weapon registration / Enregistrement des armes",
    version="2026120101",
    survey=(
        *header(),
        row("begin repeat", "weapons", "Weapon", "Arme"),
        row("text", "manufacturer", "Manufacturer", "Fabricant", required="yes"),
        row("text", "model", "Model", "Modèle", required="yes"),
        row("text", "type", "Type (rifle, pistol…)", "Type (fusil, pistolet…)"),
        row("text", "calibre", "Calibre", "Calibre"),
        row("text", "serial", "Serial as marked (empty if illegible)",
            "Numéro de série tel que marqué (vide s'il est illisible)"),
        row("text", "registry_serial", "Registry serial given", "Numéro de registre attribué",
            relevant="${serial} = ''", required="yes"),
        row("text", "country_of_manufacture", "Country of manufacture (2 letters)",
            "Pays de fabrication (2 lettres)", required="yes", constraint=COUNTRY,
            constraint_message=("Two letters, e.g. RU", "Deux lettres, ex. RU")),
        row("integer", "year", "Year of manufacture", "Année de fabrication",
            constraint=YEAR),
        row("text", "import_country", "Import mark: country", "Marque d'importation : pays",
            constraint=f". = '' or {COUNTRY}",
            constraint_message=("Two letters, e.g. LY", "Deux lettres, ex. LY")),
        row("integer", "import_year", "Import mark: year", "Marque d'importation : année",
            constraint=YEAR),
        row("text", "marking_agency", "National marking: agency code",
            "Marquage national : code du service"),
        row("integer", "marking_year", "National marking: year", "Marquage national : année",
            relevant="${marking_agency} != ''", required="yes", constraint=YEAR),
        row("text", "marking_number", "National marking: number", "Marquage national : numéro",
            relevant="${marking_agency} != ''", required="yes"),
        row("select_multiple position", "marking_positions", "Where the marks are",
            "Emplacement des marques"),
        row("image", "marking_photo", "Photo of the marks", "Photo des marques",
            parameters="max-pixels=1600"),
        row("select_one acquisition", "acquisition", "How the state came to hold it",
            "Mode d'acquisition par l'État"),
        row("end repeat"),
    ),
    choices=(*POSITIONS, *ACQUISITIONS),
)
