"""The RRPL estimate (sync/inspections/scoring.py): weighted score against each level's
threshold, and every critical item of the level met."""

import pytest

from sync.inspections.scoring import ItemRule, estimate_rrpl, rules_for, thresholds_for

RULES = {
    "gates": ItemRule(1, 3, True), "fence": ItemRule(1, 2, False), "signs": ItemRule(1, 1, False),
    "alarm": ItemRule(2, 2, True), "patrol": ItemRule(2, 2, False),
    "vault": ItemRule(3, 1, False),
}
ALL_YES = {name: "yes" for name in RULES}


@pytest.mark.parametrize(("answers", "rrpl", "level1"), [
    (ALL_YES, 3, 1.0),
    ({**ALL_YES, "fence": "no"}, 0, 4 / 6),  # 4/6 = 67 % < 70 %
    ({**ALL_YES, "signs": "no"}, 3, 5 / 6),  # 83 % passes
    ({**ALL_YES, "gates": "no"}, 0, 3 / 6),  # a critical item of level 1
    ({**ALL_YES, "gates": "na"}, 3, 1.0),  # not applicable is met and not counted
    ({k: v for k, v in ALL_YES.items() if k != "gates"}, 0, 1.0),  # unanswered critical
    ({**ALL_YES, "alarm": "no"}, 1, 1.0),  # level 2's critical item blocks 2 and 3
    ({**ALL_YES, "patrol": "no"}, 1, 1.0),  # 2/4 = 50 % < 80 %
    ({**ALL_YES, "vault": "no"}, 2, 1.0),  # level 3 scores 0 %
    ({**ALL_YES, "vault": "na"}, 2, 1.0),  # nothing of level 3 answered: not reached
    ({**ALL_YES, "fence": "no", "alarm": "no"}, 0, 4 / 6),  # levels are reached in order
    ({}, 0, None),
], ids=["all yes", "below threshold", "above threshold", "critical no",
        "critical not applicable", "critical unanswered", "level 2 critical",
        "level 2 score", "level 3 score", "level 3 unscored", "in order", "nothing"])
def test_estimate(answers, rrpl, level1):
    estimate = estimate_rrpl(answers, RULES)
    assert estimate.rrpl == rrpl
    assert estimate.levels[0].score == (pytest.approx(level1) if level1 is not None else None)


def test_what_blocks_the_next_level():
    estimate = estimate_rrpl({**ALL_YES, "alarm": "no", "patrol": "no"}, RULES)
    blocking = estimate.blocking
    assert (estimate.rrpl, blocking.level, blocking.critical_unmet) == (1, 2, ("alarm",))
    assert blocking.score == 0.0 and blocking.threshold == 0.8
    assert estimate_rrpl(ALL_YES, RULES).blocking is None


@pytest.mark.parametrize(("thresholds", "rrpl"), [
    ({1: 0.7, 2: 0.8, 3: 0.9}, 0),
    ({1: 0.6, 2: 0.8, 3: 0.9}, 3),
    ({1: 0.6, 2: 1.0, 3: 0.9}, 3),
    ({1: 0.6, 2: 0.8, 3: 1.01}, 2),
], ids=["defaults", "lower level 1", "level 2 at 100 %", "level 3 unreachable"])
def test_thresholds_are_the_countrys(thresholds, rrpl):
    assert estimate_rrpl({**ALL_YES, "fence": "no"}, RULES, thresholds).rrpl == rrpl


def test_defaults_come_from_the_form_and_the_country_overrides_them():
    severities = {"gates_locked": "critical", "clear_zone": "minor", "fence_intact": "major"}
    assert rules_for(severities, {}) == {
        "gates_locked": ItemRule(1, 3.0, True), "clear_zone": ItemRule(2, 1.0, False),
        "fence_intact": ItemRule(1, 2.0, False)}
    settings = {"rrpl": {"items": {"clear_zone": {"level": 1, "critical": True},
                                   "gates_locked": {"weight": 5}},
                         "thresholds": {"2": 0.75}}}
    rules = rules_for(severities, settings)
    assert rules["clear_zone"] == ItemRule(1, 1.0, True)
    assert rules["gates_locked"] == ItemRule(1, 5.0, True)
    assert thresholds_for(settings) == {1: 0.7, 2: 0.75, 3: 0.9}
