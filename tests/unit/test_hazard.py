import pytest

from server.models.inventory import VALID_HAZARD_CODES
from sync.stock.hazard import HazardInvalid, check_hazard


def test_the_35_un_classification_codes_are_valid():
    assert len(VALID_HAZARD_CODES) == 35
    for code in VALID_HAZARD_CODES:
        assert check_hazard(code[:3], code[3]) == code


@pytest.mark.parametrize(("division", "group"), [
    ("1.1", "S"), ("1.5", "A"), ("1.6", "D"), ("1.3", "B"), ("1.4", "A"), ("1.7", "S"),
    ("1.4", ""), ("1.4", "SS"), ("", "S"), ("2.1", "N"),
], ids=["1.1S", "1.5A", "1.6D", "1.3B", "1.4A", "no 1.7", "no group", "two groups",
        "no division", "not class 1"])
def test_invalid_pairs_are_refused_with_the_reason(division, group):
    with pytest.raises(HazardInvalid) as err:
        check_hazard(division, group)
    assert err.value.code == "inventory.hazard_invalid"
    assert "1." in str(err.value) or "division" in str(err.value)
