"""The catalogues: makers and their aliases, weapon models and ammunition item types (with
the UN number their classification implies). Each entry belongs to a country, or is a shared
default (country_code None) that every country sees and may extend with its own entries; a
country sees its own and the shared ones, edits only its own, and another country's entry
does not exist for it."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.models import AmmoItemType, MakerAlias, WeaponModel
from sync.journal.trail import Actor, record_audit
from sync.stock.hazard import check_hazard

# UN Model Regulations, Dangerous Goods List: the UN numbers of common SALW and light-weapon
# ammunition and the one classification code each stands for. A number not listed is
# accepted as given (the list is not the whole of class 1).
UN_CLASSIFICATION: dict[str, str] = {
    "0005": "1.1F", "0006": "1.1E", "0007": "1.2F", "0012": "1.4S", "0014": "1.4S",
    "0321": "1.2E", "0328": "1.2C", "0339": "1.4C", "0348": "1.4F", "0412": "1.4E",
    "0417": "1.3C", "0284": "1.1D", "0285": "1.2D", "0292": "1.1F", "0293": "1.2F",
    "0452": "1.4G", "0167": "1.1F", "0168": "1.1D", "0169": "1.2D", "0344": "1.4D",
    "0180": "1.1F", "0181": "1.1E", "0182": "1.2E", "0136": "1.1F", "0137": "1.1D",
    "0138": "1.2D", "0015": "1.2G", "0016": "1.3G", "0303": "1.4G", "0171": "1.2G",
    "0254": "1.3G", "0297": "1.4G", "0029": "1.1B", "0030": "1.1B", "0255": "1.4B",
    "0267": "1.4B", "0455": "1.4S", "0456": "1.4S", "0065": "1.1D", "0289": "1.4D",
    "0081": "1.1D", "0160": "1.1C", "0161": "1.3C",
}


class CatalogueInvalid(InvalidInput):
    code = "books.catalogue_invalid"


class SharedEntry(Forbidden):
    code = "books.shared_entry"


def visible(model: type, country_code: str | None) -> ColumnElement[bool]:
    """SQL: the entries a country sees, its own and the shared defaults."""
    return or_(model.country_code.is_(None), model.country_code == country_code)


def get_entry(session: Session, model: type, entry_id: int, country_code: str | None, *,
              editing: bool = False) -> Any:
    """One catalogue entry as a country sees it: another country's is NotFound; a shared
    default is read-only to a country (its system administrators keep it)."""
    row = session.get(model, entry_id)
    if row is None or row.country_code not in (None, country_code):
        raise NotFound("No such catalogue entry.", id=entry_id)
    if editing and row.country_code != country_code:
        raise SharedEntry("This is a shared default: add your country's own entry instead.")
    return row


def list_entries(session: Session, model: type, country_code: str | None, *order) -> list:
    return list(session.scalars(select(model).where(visible(model, country_code))
                                .order_by(*order, model.id)))


def _words(value: str | None) -> str:
    return " ".join((value or "").split())


def _key(name: str) -> str:
    return _words(name).casefold()


def _alias(session: Session, name: str, country_code: str | None) -> MakerAlias | None:
    """The country's own alias of that name, else the shared one."""
    rows = session.scalars(select(MakerAlias).where(
        MakerAlias.alias_key == _key(name), visible(MakerAlias, country_code)))
    return min(rows, key=lambda row: row.country_code is None, default=None)


def canonical_maker(session: Session, name: str, country_code: str | None = None) -> str:
    """The one name of a maker, whichever of its names is given ("Izhmash" ->
    "Kalashnikov Concern"); a name with no alias is its own."""
    alias = _alias(session, name, country_code)
    return alias.maker if alias is not None else _words(name)


def add_maker_alias(session: Session, alias: str, maker: str, *, actor: Actor, now: datetime,
                    country_code: str | None = None) -> MakerAlias:
    alias, maker = _words(alias), canonical_maker(session, maker, country_code)
    if not alias or not maker:
        raise CatalogueInvalid("An alias names both the other name and the maker.")
    if _key(alias) == _key(maker):
        raise CatalogueInvalid("A maker is not an alias of itself.", alias=alias)
    if _alias(session, alias, country_code) is not None:
        raise Conflict(f"{alias} is already an alias.", alias=alias)
    if session.scalar(select(MakerAlias.id).where(
            MakerAlias.maker == alias, visible(MakerAlias, country_code)).limit(1)):
        raise Conflict(f"{alias} has aliases of its own: it is a maker.", alias=alias)
    row = MakerAlias(country_code=country_code, alias_key=_key(alias), alias=alias,
                     maker=maker)
    session.add(row)
    session.flush()
    record_audit(session, actor, "books.maker_alias", now=now, entity="maker_alias",
                 entity_id=row.id, country_code=country_code,
                 details={"alias": alias, "maker": maker})
    return row


def _weapon_model_values(session: Session, country_code: str | None, *, manufacturer: str,
                         country: str, type: str, model: str, calibre: str) -> dict:
    values = {"manufacturer": canonical_maker(session, manufacturer, country_code),
              "model": _words(model), "country": (country or "").strip().upper(),
              "type": _words(type), "calibre": _words(calibre)}
    if not all(values[k] for k in ("manufacturer", "model", "type", "calibre")):
        raise CatalogueInvalid("A weapon model has a manufacturer, type, model and calibre.")
    if not re.fullmatch(r"[A-Z]{2}", values["country"]):
        raise CatalogueInvalid("The country of manufacture is an ISO 3166 alpha-2 code.",
                               country=country)
    return values


def create_weapon_model(session: Session, *, manufacturer: str, country: str, type: str,
                        model: str, calibre: str, actor: Actor, now: datetime,
                        country_code: str | None = None) -> WeaponModel:
    values = _weapon_model_values(session, country_code, manufacturer=manufacturer,
                                  country=country, type=type, model=model, calibre=calibre)
    if find_weapon_model(session, values["manufacturer"], values["model"],
                         country_code) is not None:
        raise Conflict(f"{values['manufacturer']} {values['model']} is already in the "
                       "catalogue.", model=values["model"])
    row = WeaponModel(country_code=country_code, **values)
    session.add(row)
    session.flush()
    record_audit(session, actor, "books.weapon_model", now=now, entity="weapon_model",
                 entity_id=row.id, country_code=country_code,
                 details={"manufacturer": row.manufacturer, "model": row.model})
    return row


def edit_weapon_model(session: Session, model_id: int, *, country_code: str, actor: Actor,
                      now: datetime, **changes: str) -> WeaponModel:
    row = get_entry(session, WeaponModel, model_id, country_code, editing=True)
    values = _weapon_model_values(session, country_code, **changes)
    other = find_weapon_model(session, values["manufacturer"], values["model"], country_code)
    if other is not None and other.id != row.id:
        raise Conflict(f"{values['manufacturer']} {values['model']} is already in the "
                       "catalogue.", model=values["model"])
    return edit_entry(session, row, values, "books.weapon_model_edit", "weapon_model",
                 actor=actor, now=now)


def find_weapon_model(session: Session, manufacturer: str, model: str,
                      country_code: str | None = None) -> WeaponModel | None:
    """The model as the country knows it: its own entry, else the shared default."""
    rows = session.scalars(select(WeaponModel).where(
        WeaponModel.manufacturer == canonical_maker(session, manufacturer, country_code),
        WeaponModel.model == _words(model), visible(WeaponModel, country_code)))
    return min(rows, key=lambda row: row.country_code is None, default=None)


def check_un_number(un_number: str, hazard_code: str) -> str:
    """A UN number as its four digits ("UN 0012" -> "0012"), refused when it names another
    classification than the item's."""
    digits = re.sub(r"^UN\s*", "", (un_number or "").strip().upper())
    if not digits:
        return ""
    if not re.fullmatch(r"\d{4}", digits):
        raise CatalogueInvalid("A UN number is four digits, e.g. UN0012.", un_number=un_number)
    expected = UN_CLASSIFICATION.get(digits)
    if expected and expected != hazard_code:
        raise CatalogueInvalid(f"UN{digits} is classified {expected}, not {hazard_code}.",
                               un_number=digits, expected=expected)
    return digits


def _item_type_values(*, nature: str, calibre: str, type: str, hazard_division: str,
                      compatibility_group: str, neq_kg: str, un_number: str = "") -> dict:
    code = check_hazard(hazard_division, compatibility_group)
    if not (_words(nature) and _words(calibre) and _words(type)):
        raise CatalogueInvalid("An item type has a nature, a calibre and a type.")
    try:
        neq = Decimal(str(neq_kg))
    except InvalidOperation:
        raise CatalogueInvalid("NEQ per item is a number of kg.", neq_kg=neq_kg) from None
    if not neq.is_finite() or neq < 0:
        raise CatalogueInvalid("NEQ per item is zero or more kg.", neq_kg=neq_kg)
    return {"nature": _words(nature), "calibre": _words(calibre), "type": _words(type),
            "hazard_division": code[:3], "compatibility_group": code[3], "neq_kg": neq,
            "un_number": check_un_number(un_number, code)}


def add_item_type(session: Session, *, actor: Actor, now: datetime,
                  country_code: str | None = None, **fields: str) -> AmmoItemType:
    item = AmmoItemType(country_code=country_code, **_item_type_values(**fields))
    session.add(item)
    session.flush()
    record_audit(session, actor, "books.item_type", now=now, entity="item_type",
                 entity_id=item.id, country_code=country_code,
                 details={"calibre": item.calibre, "hazard": item.hazard_code})
    return item


def edit_item_type(session: Session, item_type_id: int, *, country_code: str, actor: Actor,
                   now: datetime, **fields: str) -> AmmoItemType:
    row = get_entry(session, AmmoItemType, item_type_id, country_code, editing=True)
    return edit_entry(session, row, _item_type_values(**fields), "books.item_type_edit",
                 "item_type", actor=actor, now=now)


def edit_entry(session: Session, row: Any, values: dict, action: str, entity: str, *,
               actor: Actor, now: datetime, country_code: str | None = None,
               depot_id: int | None = None) -> Any:
    """Apply checked values to a setup or catalogue entry; the audit keeps what each changed
    field was and became."""
    changed = {k: [_plain(getattr(row, k)), _plain(v)] for k, v in values.items()
               if getattr(row, k) != v}
    for field in changed:
        setattr(row, field, values[field])
    session.flush()
    record_audit(session, actor, action, now=now, entity=entity, entity_id=row.id,
                 country_code=country_code or getattr(row, "country_code", None),
                 depot_id=depot_id, details={"changed": changed})
    return row


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float | dict | list) \
        else str(value)
