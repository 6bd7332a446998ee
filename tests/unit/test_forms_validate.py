"""Every shipped form passes ODK Validate, the JavaRosa build that the pyxform wheel ships
(what ODK Collect runs), not only pyxform's conversion."""

import pytest
from pyxform.validators import odk_validate

from forms.sources import SHIPPED
from forms.xlsform import build_xlsx, convert_xlsx


def validate(tmp_path, xml: str) -> list[str]:
    path = tmp_path / "form.xml"
    path.write_text(xml, encoding="utf-8")
    return odk_validate.check_xform(str(path))


@pytest.mark.parametrize("source", SHIPPED, ids=[s.form_id for s in SHIPPED])
def test_each_shipped_form_passes_odk_validate(tmp_path, source):
    assert validate(tmp_path, convert_xlsx(build_xlsx(source)).xml) == []


def test_odk_validate_refuses_a_broken_form(tmp_path):
    """pyxform converts it; JavaRosa finds the function no phone knows."""
    xml = convert_xlsx(build_xlsx(SHIPPED[0])).xml.replace("coalesce(", "coalescence(")
    assert "coalescence(" in xml
    with pytest.raises(odk_validate.ODKValidateError, match="coalescence"):
        validate(tmp_path, xml)
