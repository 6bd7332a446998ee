"""F0 visit header and F1 physical security checklist."""

from __future__ import annotations

from forms.sources.common import YES_NO_NA, Source, choices, header, row, yes_no_item
from forms.sources.registers import PREFILLED

VISIT_TYPES = choices(
    "visit_type",
    ("routine_internal", "Routine internal inspection", "Inspection interne de routine",
     "تفتيش داخلي روتيني"),
    ("external_national", "External national inspection", "Inspection nationale externe",
     "تفتيش وطني خارجي"),
    ("partner_assessment", "Partner assessment", "Évaluation par un partenaire",
     "تقييم من شريك"),
    ("follow_up", "Follow-up visit", "Visite de suivi", "زيارة متابعة"),
    ("unannounced", "Unannounced visit", "Visite inopinée", "زيارة مفاجئة"),
)

VISIT_HEADER = Source(
    form_id="visit_header",
    title="Visit header / En-tête de visite / رأس الزيارة",
    version="2026120101",
    survey=(
        row("start", "start", ds_visit="started_at"),
        row("end", "end", ds_visit="ended_at"),
        row("barcode", "depot_scan", "Scan the depot's QR code", "Scanner le QR du dépôt",
            "امسح رمز QR الخاص بالمستودع", ds_visit="depot_scan",
            hint=("Or leave this empty and pick the depot next.",
                  "Ou laissez vide et choisissez le dépôt ensuite.",
                  "أو اترك هذه الخانة فارغة واختر المستودع بعدها.")),
        row("select_one_from_file depots.csv", "depot", "Depot", "Dépôt", "المستودع",
            required="yes", relevant="${depot_scan} = ''", ds_visit="depot"),
        row("calculate", "depot_code", calculation="coalesce(${depot_scan}, ${depot})"),
        row("select_one visit_type", "visit_type", "Type of visit", "Type de visite",
            "نوع الزيارة", required="yes", ds_visit="visit_type"),
        row("select_multiple_from_file users.csv", "inspectors", "Inspectors", "Inspecteurs",
            "المفتشون", required="yes", ds_visit="inspectors"),
        row("text", "people_present", "Depot staff present", "Personnel du dépôt présent",
            "موظفو المستودع الحاضرون", ds_visit="people_present"),
        row("geopoint", "position", "Position at the depot gate",
            "Position à l'entrée du dépôt", "الموقع عند بوابة المستودع", ds_visit="position",
            hint=("Take it outside: GPS rarely works inside a magazine.",
                  "Prenez-la à l'extérieur : le GPS fonctionne rarement dans un magasin.",
                  "التقطه في الخارج: نادرًا ما يعمل نظام GPS داخل المخزن.")),
        row("calculate", "visit_label",
            calculation="concat(${depot_code}, ' ', substr(${start}, 0, 10))"),
    ),
    choices=VISIT_TYPES,
    # the visit as an offline entity: the other forms of the visit pick it from visits.csv
    entities=({"dataset": "visits", "label": "${visit_label}"},),
)

# group, name, English, French, Arabic, severity if "no"
F1_ITEMS = (
    ("plan", "security_plan", "A written security plan exists",
     "Un plan de sécurité écrit existe", "توجد خطة أمنية مكتوبة", "major"),
    ("plan", "risk_assessment", "A risk assessment exists",
     "Une évaluation des risques existe", "يوجد تقييم للمخاطر", "major"),
    ("perimeter", "fence_intact", "The fence is intact", "La clôture est intacte",
     "السياج سليم", "major"),
    ("perimeter", "clear_zone", "The clear zone is free of vegetation",
     "La zone dégagée est libre de végétation", "المنطقة المكشوفة خالية من النباتات", "minor"),
    ("perimeter", "culverts_barred", "Culverts under the fence are barred",
     "Les buses sous la clôture sont grillagées", "مجاري المياه تحت السياج مسدودة بقضبان",
     "major"),
    ("perimeter", "gates_locked", "Gates are locked", "Les portails sont fermés à clé",
     "البوابات مقفلة", "critical"),
    ("perimeter", "signs_posted", "Restricted-area signs are posted",
     "Les panneaux de zone réglementée sont en place", "لافتات المنطقة المحظورة مثبتة",
     "minor"),
    ("perimeter", "lighting_working", "Security lighting works",
     "L'éclairage de sécurité fonctionne", "الإنارة الأمنية تعمل", "major"),
    ("buildings", "doors_sound", "Doors and hinges are sound",
     "Les portes et les gonds sont en bon état", "الأبواب ومفصّلاتها سليمة", "major"),
    ("buildings", "windows_barred", "Windows are barred or absent",
     "Les fenêtres sont grillagées ou absentes", "النوافذ مزوّدة بقضبان أو غير موجودة",
     "major"),
    ("buildings", "approved_locks", "Every door has an approved lock",
     "Chaque porte a une serrure agréée", "لكل باب قفل معتمد", "critical"),
    ("alarm", "alarm_fitted", "An alarm is fitted", "Une alarme est installée",
     "جهاز إنذار مركّب", "major"),
    ("alarm", "alarm_log_kept", "The alarm log is kept", "Le registre d'alarme est tenu",
     "سجل الإنذارات ممسوك", "minor"),
    ("guards", "guards_present", "Guards are present now", "Des gardes sont présents",
     "الحراس حاضرون الآن", "critical"),
    ("guards", "guards_24h", "Guarding covers 24 hours", "La garde couvre 24 heures",
     "الحراسة تغطي 24 ساعة", "major"),
    ("guards", "patrol_log", "The patrol log is kept", "Le registre des rondes est tenu",
     "سجل الدوريات ممسوك", "major"),
    ("access", "access_log_current", "The access log is current",
     "Le registre des accès est à jour", "سجل الدخول محدَّث", "major"),
    ("access", "visitors_escorted", "Visitors are escorted",
     "Les visiteurs sont accompagnés", "الزوار مرافَقون", "major"),
    ("access", "access_list_current",
     "The list of people with unaccompanied access is current and signed",
     "La liste des personnes à accès non accompagné est à jour et signée",
     "قائمة الأشخاص المخوَّلين بالدخول دون مرافق محدَّثة وموقَّعة", "major"),
    ("access", "staff_vetted", "Staff are vetted", "Le personnel est habilité",
     "الموظفون خضعوا للتحري الأمني", "major"),
    ("keys", "key_register_kept", "The key register is kept",
     "Le registre des clés est tenu", "سجل المفاتيح ممسوك", "critical"),
    ("keys", "keys_secured", "Keys are kept in a secure container",
     "Les clés sont gardées dans un contenant sécurisé", "المفاتيح محفوظة في وعاء آمن",
     "critical"),
    ("keys", "key_copies_match", "Key copies match the register",
     "Les doubles des clés correspondent au registre", "نسخ المفاتيح مطابقة للسجل",
     "critical"),
    ("keys", "locks_changed", "Locks were changed after any key loss",
     "Les serrures ont été changées après toute perte de clé",
     "غُيّرت الأقفال بعد كل فقدان لمفتاح", "critical"),
    ("breaches", "breaches_reported",
     "No security breach since the last visit, or each one was reported",
     "Aucune atteinte à la sécurité depuis la dernière visite, ou chacune a été signalée",
     "لا خرق أمني منذ الزيارة الأخيرة، أو أُبلغ عن كل خرق", "critical"),
)
# extra questions shown after an item answered "yes"
F1_DETAILS = {
    "security_plan": (row("date", "security_plan_date", "Date of the plan", "Date du plan",
                          "تاريخ الخطة"),),
    "risk_assessment": (row("date", "risk_assessment_date", "Date of the assessment",
                            "Date de l'évaluation", "تاريخ التقييم"),),
    "alarm_fitted": (row("date", "alarm_test_date", "Last alarm test", "Dernier essai",
                         "آخر اختبار للإنذار"),),
    "guards_present": (row("integer", "guards_count", "Guards present now",
                           "Gardes présents", "عدد الحراس الحاضرين الآن", required="yes",
                           constraint=". >= 0 and . < 1000"),),
    "access_log_current": (row("image", "access_log_photo", "Photo of the last page",
                               "Photo de la dernière page", "صورة الصفحة الأخيرة",
                               required="yes", parameters="max-pixels=1600"),),
}
GROUPS = {
    "plan": ("Plans", "Plans", "الخطط"), "perimeter": ("Perimeter", "Périmètre", "المحيط"),
    "buildings": ("Buildings", "Bâtiments", "المباني"),
    "alarm": ("Alarm", "Alarme", "الإنذار"), "guards": ("Guards", "Garde", "الحراسة"),
    "access": ("Access control", "Contrôle des accès", "مراقبة الدخول"),
    "keys": ("Keys and locks", "Clés et serrures", "المفاتيح والأقفال"),
    "breaches": ("Security breaches", "Atteintes à la sécurité", "الخروقات الأمنية"),
}


def _checklist() -> tuple[dict, ...]:
    rows: list[dict] = []
    current = None
    for group, name, en, fr, ar, severity in F1_ITEMS:
        if group != current:
            if current is not None:
                rows.append(row("end group"))
            rows.append(row("begin group", group, *GROUPS[group]))
            current = group
        item = yes_no_item(name, en, fr, ar, severity)
        if name in PREFILLED:  # "yes" when the depot's register has recent entries
            item = ({**item[0], "trigger": "${depot}", "calculation": (
                f"if(instance('registers')/root/item[name=${{depot}}]/{PREFILLED[name]} = "
                f"'yes', 'yes', ${{{name}}})")}, *item[1:])
        rows += item
        for extra in F1_DETAILS.get(name, ()):
            rows.append({**extra, "relevant": f"${{{name}}} = 'yes'"})
        if name == "keys_secured":
            rows.append(row("date", "last_key_inventory", "Date of the last key and lock "
                            "inventory", "Date du dernier inventaire des clés et serrures",
                            "تاريخ آخر جرد للمفاتيح والأقفال"))
    rows.append(row("end group"))
    return tuple(rows)


SECURITY_CHECK = Source(
    form_id="security_check",
    title="Physical security / Sécurité physique / الأمن المادي",
    version="2026120101",
    survey=(*header(visit="yes"), row("csv-external", "registers"), *_checklist()),
    choices=YES_NO_NA,
)
