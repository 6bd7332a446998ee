"""The setup and catalogue forms of the HQ pages: the API's schemas (server/api/schemas/
books.py), read from HTML forms (an empty field is "not given", a checkbox is there or not,
the ELL is one field per hazard division)."""

from __future__ import annotations

from typing import Any

from marshmallow import pre_load

from server.api.schemas.books import (
    AgencyIn,
    AliasIn,
    BuildingInSchema,
    DepotIn,
    ItemTypeSchema,
    LocationIn,
    LotIn,
    SuspensionIn,
    WeaponModelSchema,
)
from server.models.inventory import HAZARD_GROUPS
from server.web.schemas import Form


class AgencyForm(Form, AgencyIn):
    pass


class DepotForm(Form, DepotIn):
    pass


class BuildingForm(Form, BuildingInSchema):
    @pre_load
    def drop_empty(self, data: Any, **kwargs: Any) -> dict[str, Any]:
        """ell_1.1 … ell_1.6 become the ELL per hazard division."""
        values = super().drop_empty(data)
        values["ell_kg"] = {hd: values.pop(f"ell_{hd}") for hd in HAZARD_GROUPS
                            if f"ell_{hd}" in values}
        return values


class LocationForm(Form, LocationIn):
    pass


class AliasForm(Form, AliasIn):
    pass


class WeaponModelForm(Form, WeaponModelSchema):
    pass


class ItemTypeForm(Form, ItemTypeSchema):
    pass


class LotForm(Form, LotIn):
    pass


class LotEditForm(Form, LotIn):
    class Meta(Form.Meta):
        exclude = ("item_type_id", "condition", "suspended", "suspension_ref")


class SuspensionForm(Form, SuspensionIn):
    pass
