"""The RRPL estimate of a visit (IATG risk reduction process level).

Every yes/no checklist item carries a level (1 basic, 2, 3), a weight and whether it is
critical for its level. A level's score is the weight of the items answered "yes" over the
weight of those answered yes or no ("not applicable" and unanswered items do not count). A
level is reached when its score is at least its threshold AND every critical item of that
level is met ("yes", or "not applicable"; unanswered is not met). The visit's RRPL is the
highest level reached with every level below it reached too (0: not even level 1).

Defaults: level from DEFAULT_LEVELS (else 1), weight and criticality from the item's
severity in the form (critical 3 and critical, major 2, minor 1). A country overrides them
in its settings: {"rrpl": {"thresholds": {"1": 0.8}, "items": {"fence_intact": {"level": 1,
"weight": 2, "critical": true}}}}.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.registry import get_version, spec_of
from server.models import Country, Depot, Submission, Visit
from server.models.sync import SubmissionStatus

LEVELS = (1, 2, 3)
DEFAULT_THRESHOLDS = {1: 0.7, 2: 0.8, 3: 0.9}
WEIGHTS = {"critical": 3.0, "major": 2.0, "minor": 1.0}
# items that IATG places above the basic level (the rest are level 1)
DEFAULT_LEVELS = {
    "clear_zone": 2, "culverts_barred": 2, "lighting_working": 2, "signs_posted": 2,
    "alarm_fitted": 2, "alarm_log_kept": 2, "guards_24h": 2, "patrol_log": 2,
    "access_list_current": 2, "staff_vetted": 2, "vouchers_on_file": 2, "surplus_separate": 2,
    "import_mark": 2, "readable_without_tools": 3, "windows_barred": 3,
}
WORST = {"na": 0, "yes": 1, "no": 2}  # one item answered several times: the worst counts


@dataclass(frozen=True)
class ItemRule:
    level: int
    weight: float
    critical: bool


@dataclass(frozen=True)
class LevelScore:
    level: int
    score: float | None  # None: nothing of this level was answered yes or no
    threshold: float
    reached: bool
    critical_unmet: tuple[str, ...]


@dataclass(frozen=True)
class Estimate:
    rrpl: int
    levels: tuple[LevelScore, ...]

    @property
    def blocking(self) -> LevelScore | None:
        """The next level, with what keeps the visit from it (None at level 3)."""
        return next((s for s in self.levels if s.level == self.rrpl + 1), None)

    def to_json(self) -> dict:
        return {"rrpl": self.rrpl, "levels": [asdict(s) for s in self.levels]}


def estimate_rrpl(answers: Mapping[str, str], rules: Mapping[str, ItemRule],
                  thresholds: Mapping[int, float] = DEFAULT_THRESHOLDS) -> Estimate:
    """answers: item -> yes | no | na (items without a rule are not scored)."""
    scores = []
    for level in LEVELS:
        items = {name: rule for name, rule in rules.items() if rule.level == level}
        counted = [(rules[n].weight, answers[n] == "yes") for n in items
                   if answers.get(n) in ("yes", "no")]
        total = sum(w for w, _ in counted)
        score = sum(w for w, ok in counted if ok) / total if total else None
        unmet = tuple(sorted(n for n, r in items.items()
                             if r.critical and answers.get(n) not in ("yes", "na")))
        threshold = thresholds.get(level, DEFAULT_THRESHOLDS[level])
        scores.append(LevelScore(level, score, threshold,
                                 score is not None and score >= threshold and not unmet,
                                 unmet))
    rrpl = 0
    for s in scores:
        if not s.reached:
            break
        rrpl = s.level
    return Estimate(rrpl, tuple(scores))


def rules_for(severities: Mapping[str, str], country_settings: Mapping) -> dict[str, ItemRule]:
    """The rule of each item (item -> its severity in the form), country overrides last."""
    overrides = (country_settings.get("rrpl") or {}).get("items") or {}
    rules = {}
    for name, severity in severities.items():
        given = overrides.get(name) or {}
        rules[name] = ItemRule(
            level=int(given.get("level", DEFAULT_LEVELS.get(name, 1))),
            weight=float(given.get("weight", WEIGHTS.get(severity, 1.0))),
            critical=bool(given.get("critical", severity == "critical")))
    return rules


def thresholds_for(country_settings: Mapping) -> dict[int, float]:
    given = (country_settings.get("rrpl") or {}).get("thresholds") or {}
    return {level: float(given.get(str(level), DEFAULT_THRESHOLDS[level])) for level in LEVELS}


def rescore_visit(session: Session, visit: Visit, submission: Submission | None = None, *,
                  others: bool = True) -> Estimate:
    """Score a visit from the yes/no items of all its parts (an item asked per sampled weapon
    is "no" if any weapon fails it) and keep the estimate on the visit. ``submission``: a
    part being added in this transaction (not flushed yet); ``others=False``: it is the
    visit's only part (the visit is new), so no other part is read."""
    parts = [(submission.form_id, submission.form_version, submission.answers)] \
        if submission is not None and submission.status is not SubmissionStatus.REPLACED else []
    if others:
        query = select(Submission.form_id, Submission.form_version, Submission.answers).where(
            Submission.visit_id == visit.id, Submission.status != SubmissionStatus.REPLACED)
        if submission is not None:
            query = query.where(Submission.id != submission.id)
        parts += session.execute(query).all()
    answers, severities = {}, {}
    for form_id, version, given in parts:
        row = get_version(session, form_id, version)
        if row is None:
            continue
        for f in spec_of(row).tagged("finding"):
            severities[f.name] = f.ds["finding"]
            for value in _values(given or {}, f.name):
                if value in WORST:
                    answers[f.name] = max(answers.get(f.name, value), value, key=WORST.get)
    depot = session.get(Depot, visit.depot_id)
    settings = (session.get(Country, depot.country_code).settings or {}) if depot else {}
    estimate = estimate_rrpl(answers, rules_for(severities, settings), thresholds_for(settings))
    visit.score = estimate.to_json()
    return estimate


def _values(answers: Mapping, name: str) -> list[str]:
    """Every answer to a question, at the top or in any repeat instance."""
    found = [str(answers[name])] if name in answers and not isinstance(answers[name], list) \
        else []
    for value in answers.values():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, Mapping):
                    found += _values(item, name)
    return found
