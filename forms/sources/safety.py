"""F2 storage safety (per building) and F6 ammunition visual condition (per lot), in
English, French and Arabic.

The server computes what the inspector confirms and attaches it for the phone's depots only
(sync/inspections/safety_lists.py): buildings.csv holds each building's licence, its ELL and
NEQ per hazard division from the books, the aggregation the country applies and the mix of
compatibility groups; lots.csv holds each lot present at a depot with its condition,
suspension and due dates. An F6 answer proposing a condition or a suspension (``ds:surveil``
lot | condition | suspend | reason | crate) opens a safety review item, never a change.
"""

from __future__ import annotations

from forms.sources.common import (
    CONDITIONS,
    YES_NO,
    YES_NO_NA,
    Source,
    header,
    row,
    yes_no_item,
)

BUILDING = "instance('buildings')/root/item[name=${building}]"
LOT = "instance('lots')/root/item[name=${lot} and depot=${depot}]"

# name, English, French, Arabic, severity if "no"
F2_ITEMS = (
    ("ell_displayed", "The ELL exists and is displayed", "L'autorisation (ELL) existe et est "
     "affichée",
     "ترخيص حد المتفجرات موجود ومعلَّق", "major"),
    ("neq_within", "NEQ per HD is within the ELL (as computed above)",
     "La MEN par division est dans les limites de l'ELL (calcul ci-dessus)",
     "الكمية الصافية للمتفجرات لكل فئة خطر ضمن الترخيص (كما حُسبت أعلاه)", "critical"),
    ("cg_compatible", "Compatibility groups stored together are compatible",
     "Les groupes de compatibilité stockés ensemble sont compatibles",
     "مجموعات التوافق المخزَّنة معًا متوافقة", "critical"),
    ("separate_kept_apart", "Items for separate storage are kept apart",
     "Les articles à stocker séparément sont tenus à part",
     "المواد التي تُخزَّن منفصلة محفوظة على حدة", "major"),
    ("unserviceable_segregated", "Unserviceable or suspect stock is segregated and marked",
     "Les stocks inutilisables ou suspects sont isolés et marqués",
     "المخزون غير الصالح أو المشكوك فيه معزول ومعلَّم", "critical"),
    ("stacks_sound", "Stacks are stable, on dunnage, ventilated, one lot per stack",
     "Les piles sont stables, sur chantiers, ventilées, un lot par pile",
     "الأكوام ثابتة، على ألواح، مهوّاة، دفعة واحدة لكل كومة", "major"),
    ("stack_cards", "Stack cards are present", "Les fiches de pile sont présentes",
     "بطاقات الأكوام موجودة", "minor"),
    ("dry", "No humidity or water ingress", "Ni humidité ni infiltration d'eau",
     "لا رطوبة ولا تسرّب للمياه", "major"),
    ("lightning_ok", "Lightning protection is present and undamaged",
     "La protection contre la foudre est présente et intacte",
     "الحماية من الصواعق موجودة وسليمة", "major"),
    ("extinguishers", "Extinguishers are present and in date",
     "Les extincteurs sont présents et à jour",
     "طفايات الحريق موجودة وصالحة", "major"),
    ("fire_plan", "The fire plan and fire signs are posted",
     "Le plan incendie et les panneaux incendie sont affichés",
     "خطة الحريق ولافتاته معلَّقة", "minor"),
    ("firebreak", "The firebreak is clear", "Le pare-feu est dégagé",
     "حاجز الحريق خالٍ", "major"),
    ("no_prohibited", "No prohibited articles (matches, fuel, phones…)",
     "Aucun article interdit (allumettes, carburant, téléphones…)",
     "لا مواد محظورة (أعواد ثقاب، وقود، هواتف…)", "critical"),
    ("electrical_ok", "Electrical fittings are approved",
     "Les installations électriques sont agréées",
     "التجهيزات الكهربائية معتمدة", "major"),
    ("housekeeping", "Housekeeping: no empty packaging or loose rounds",
     "Ordre : ni emballages vides ni munitions en vrac",
     "النظافة والترتيب: لا عبوات فارغة ولا ذخيرة سائبة", "minor"),
    ("distances_clear", "No new buildings or people inside the safety distances",
     "Aucun bâtiment ni personne nouveaux dans les distances de sécurité",
     "لا مبانٍ ولا أشخاص جدد داخل مسافات الأمان", "critical"),
)
F2_DETAILS = {
    "lightning_ok": (row("date", "lightning_test_date", "Last lightning protection test",
                         "Dernier essai de la protection contre la foudre",
                         "آخر اختبار للحماية من الصواعق"),),
    "ell_displayed": (row("image", "ell_photo", "Photo of the displayed ELL",
                          "Photo de l'ELL affichée", "صورة الترخيص المعلَّق",
                          parameters="max-pixels=1600"),),
}


def _storage_items() -> tuple[dict, ...]:
    rows: list[dict] = []
    for name, en, fr, ar, severity in F2_ITEMS:
        rows += yes_no_item(name, en, fr, ar, severity)
        for extra in F2_DETAILS.get(name, ()):
            rows.append({**extra, "relevant": f"${{{name}}} = 'yes'"})
    return tuple(rows)


def _climate() -> tuple[dict, ...]:
    reading = ". > -20 and . < 80"
    message = ("Between -20 and 80 °C.", "Entre -20 et 80 °C.", "بين -20 و80 °م.")
    return tuple(row("decimal", name, en, fr, ar, constraint=reading,
                     constraint_message=message,
                     required="yes" if name == "temperature_now" else "")
                 for name, en, fr, ar in (
                     ("temperature_now", "Temperature now (°C)", "Température actuelle (°C)",
                      "درجة الحرارة الآن (°م)"),
                     ("temperature_max", "Highest since the last visit (°C)",
                      "Maximum depuis la dernière visite (°C)",
                      "أعلى درجة منذ الزيارة الأخيرة (°م)"),
                     ("temperature_min", "Lowest since the last visit (°C)",
                      "Minimum depuis la dernière visite (°C)",
                      "أدنى درجة منذ الزيارة الأخيرة (°م)")))


STORAGE_SAFETY = Source(
    form_id="storage_safety",
    title="Storage safety / Sécurité du stockage / سلامة التخزين",
    version="2026120101",
    survey=(
        *header(visit="yes"),
        row("select_one_from_file buildings.csv", "building", "Storage building",
            "Bâtiment de stockage", "مبنى التخزين", required="yes",
            choice_filter="depot=${depot}",
            ds_subject="building"),
        row("calculate", "licence", calculation=f"{BUILDING}/licence"),
        row("calculate", "load", calculation=f"{BUILDING}/load"),
        row("calculate", "groups", calculation=f"{BUILDING}/groups"),
        row("note", "load_note", "Licence ${licence}. From the books: ${load}. Groups: "
            "${groups}.", "Autorisation ${licence}. Selon les registres : ${load}. "
            "Groupes : ${groups}.", "الترخيص ${licence}. حسب السجلات: ${load}. "
            "المجموعات: ${groups}."),
        *_storage_items(),
        *_climate(),
    ),
    choices=YES_NO_NA,
)


def _lot_line() -> tuple[dict, ...]:
    no_or = "${recommend_suspension} = 'yes' or ${proposed_condition} != ${lot_condition}"
    return (
        row("begin repeat", "lots", "Lot", "Lot", "الدفعة"),
        row("select_one_from_file lots.csv", "lot", "Lot inspected", "Lot inspecté",
            "الدفعة المفحوصة", required="yes", choice_filter="depot=${depot}", ds_subject="lot",
            ds_surveil="lot"),
        row("calculate", "lot_condition", calculation=f"{LOT}/condition"),
        row("calculate", "lot_due", calculation=f"{LOT}/due"),
        row("note", "lot_note", "On the books: ${lot_condition}; next test or end of life "
            "${lot_due}.", "Selon les registres : ${lot_condition} ; prochain essai ou fin "
            "de vie ${lot_due}.", "حسب السجلات: ${lot_condition}؛ الاختبار القادم أو نهاية "
            "العمر ${lot_due}."),
        row("text", "crate_label", "Box label (if one box)", "Étiquette de la caisse (si une "
            "seule)", "ملصق الصندوق (إن كان صندوقًا واحدًا)", ds_surveil="crate"),
        *yes_no_item("packaging_sound", "Packaging undamaged, dry and closed",
                     "Emballages intacts, secs et fermés", "العبوات سليمة وجافة ومغلقة",
                     "major"),
        *yes_no_item("no_deterioration", "No corrosion, leakage, exudation or deformation",
                     "Ni corrosion, ni fuite, ni exsudation, ni déformation",
                     "لا تآكل ولا تسرّب ولا نضح ولا تشوّه", "critical"),
        *yes_no_item("life_current", "Within shelf life and inspection not overdue",
                     "Dans la durée de vie et inspection non échue",
                     "ضمن العمر التخزيني والفحص غير متأخر", "major"),
        row("select_one condition", "proposed_condition", "Condition you propose",
            "État proposé", "الحالة التي تقترحها", required="yes", ds_surveil="condition",
            default="SERVICEABLE"),
        row("select_one yes_no", "recommend_suspension", "Recommend suspension of the lot?",
            "Recommander la suspension du lot ?", "هل توصي بتعليق الدفعة؟", required="yes",
            ds_surveil="suspend", default="no"),
        row("text", "proposal_reason", "Why?", "Pourquoi ?", "لماذا؟", required="yes",
            relevant=no_or, ds_surveil="reason"),
        row("end repeat"),
    )


AMMO_CONDITION = Source(
    form_id="ammo_condition",
    title="Ammunition condition / État des munitions / حالة الذخيرة",
    version="2026120101",
    survey=(*header(visit="yes"), *_lot_line()),
    choices=YES_NO_NA + YES_NO + CONDITIONS,
)
