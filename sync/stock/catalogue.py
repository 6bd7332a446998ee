"""The catalogues: makers and their aliases, weapon models, ammunition item types (with the UN
number their classification implies) and lots, with their suspension."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import Conflict, InvalidInput, NotFound
from server.models import AmmoItemType, AmmoLot, MakerAlias, WeaponModel
from server.models.inventory import Condition, LotState
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


def _key(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def canonical_maker(session: Session, name: str) -> str:
    """The one name of a maker, whichever of its names is given ("Izhmash" ->
    "Kalashnikov Concern"); a name with no alias is its own."""
    name = " ".join((name or "").split())
    alias = session.get(MakerAlias, _key(name))
    return alias.maker if alias is not None else name


def add_maker_alias(session: Session, alias: str, maker: str, *, actor: Actor,
                    now: datetime) -> MakerAlias:
    alias, maker = " ".join((alias or "").split()), canonical_maker(session, maker)
    if not alias or not maker:
        raise CatalogueInvalid("An alias names both the other name and the maker.")
    if _key(alias) == _key(maker):
        raise CatalogueInvalid("A maker is not an alias of itself.", alias=alias)
    if session.get(MakerAlias, _key(alias)) is not None:
        raise Conflict(f"{alias} is already an alias.", alias=alias)
    if session.scalar(select(MakerAlias.alias_key).where(MakerAlias.maker == alias).limit(1)):
        raise Conflict(f"{alias} has aliases of its own: it is a maker.", alias=alias)
    row = MakerAlias(alias_key=_key(alias), alias=alias, maker=maker)
    session.add(row)
    session.flush()
    record_audit(session, actor, "books.maker_alias", now=now, entity="maker_alias",
                 entity_id=row.alias_key, details={"alias": alias, "maker": maker})
    return row


def create_weapon_model(session: Session, *, manufacturer: str, country: str, type: str,
                        model: str, calibre: str, actor: Actor, now: datetime) -> WeaponModel:
    maker = canonical_maker(session, manufacturer)
    model, country = " ".join((model or "").split()), (country or "").strip().upper()
    if not (maker and model and (type or "").strip() and (calibre or "").strip()):
        raise CatalogueInvalid("A weapon model has a manufacturer, type, model and calibre.")
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise CatalogueInvalid("The country of manufacture is an ISO 3166 alpha-2 code.",
                               country=country)
    if find_weapon_model(session, maker, model) is not None:
        raise Conflict(f"{maker} {model} is already in the catalogue.", model=model)
    row = WeaponModel(manufacturer=maker, country=country, type=type.strip(), model=model,
                      calibre=calibre.strip())
    session.add(row)
    session.flush()
    record_audit(session, actor, "books.weapon_model", now=now, entity="weapon_model",
                 entity_id=row.id, details={"manufacturer": maker, "model": model})
    return row


def find_weapon_model(session: Session, manufacturer: str, model: str) -> WeaponModel | None:
    return session.scalar(select(WeaponModel).where(
        WeaponModel.manufacturer == canonical_maker(session, manufacturer),
        WeaponModel.model == " ".join((model or "").split())))


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


def add_item_type(session: Session, *, nature: str, calibre: str, type: str,
                  hazard_division: str, compatibility_group: str, neq_kg: str,
                  un_number: str = "", actor: Actor, now: datetime) -> AmmoItemType:
    code = check_hazard(hazard_division, compatibility_group)
    if not ((nature or "").strip() and (calibre or "").strip() and (type or "").strip()):
        raise CatalogueInvalid("An item type has a nature, a calibre and a type.")
    try:
        neq = Decimal(str(neq_kg))
    except InvalidOperation:
        raise CatalogueInvalid("NEQ per item is a number of kg.", neq_kg=neq_kg) from None
    if not neq.is_finite() or neq < 0:
        raise CatalogueInvalid("NEQ per item is zero or more kg.", neq_kg=neq_kg)
    item = AmmoItemType(nature=nature.strip(), calibre=calibre.strip(), type=type.strip(),
                        hazard_division=code[:3], compatibility_group=code[3], neq_kg=neq,
                        un_number=check_un_number(un_number, code))
    session.add(item)
    session.flush()
    record_audit(session, actor, "books.item_type", now=now, entity="item_type",
                 entity_id=item.id, details={"calibre": item.calibre, "hazard": code})
    return item


def add_lot(session: Session, item_type_id: int, *, lot_number: str | None,
            lot_state: str = LotState.KNOWN.value, manufacturer: str = "",
            country_of_manufacture: str = "", manufacture_date: date | None = None,
            expiry_date: date | None = None, condition: str = Condition.SERVICEABLE.value,
            suspended: bool = False, suspension_ref: str = "", actor: Actor,
            now: datetime) -> AmmoLot:
    """A lot of one item type. expiry_date is its expiry or its next test due."""
    if session.get(AmmoItemType, item_type_id) is None:
        raise NotFound("No such item type.", item_type_id=item_type_id)
    if lot_state not in {s.value for s in LotState} or condition not in {
            c.value for c in Condition}:
        raise CatalogueInvalid("Unknown lot state or condition.", lot_state=lot_state,
                               condition=condition)
    number = (lot_number or "").strip() or None
    if lot_state == LotState.KNOWN.value and number is None:
        raise CatalogueInvalid("A known lot has a lot number; otherwise say it is unknown, "
                               "mixed or none.")
    if manufacture_date and expiry_date and expiry_date < manufacture_date:
        raise CatalogueInvalid("A lot cannot expire before it was made.")
    if suspended and not (suspension_ref or "").strip():
        raise CatalogueInvalid("A suspension cites a reference.")
    maker = canonical_maker(session, manufacturer)
    if number and session.scalar(select(AmmoLot.id).where(
            AmmoLot.item_type_id == item_type_id, AmmoLot.manufacturer == maker,
            AmmoLot.lot_number == number)):
        raise Conflict(f"Lot {number} of {maker} is already recorded.", lot_number=number)
    lot = AmmoLot(item_type_id=item_type_id, lot_number=number, lot_state=LotState(lot_state),
                  manufacturer=maker, country_of_manufacture=(
                      country_of_manufacture or "").strip().upper(),
                  manufacture_date=manufacture_date, expiry_date=expiry_date,
                  condition=Condition(condition), suspended=suspended,
                  suspension_ref=(suspension_ref or "").strip())
    session.add(lot)
    session.flush()
    record_audit(session, actor, "books.lot", now=now, entity="lot", entity_id=lot.id,
                 details={"lot_number": number, "item_type_id": item_type_id})
    return lot


def set_lot_suspension(session: Session, lot_id: int, *, suspended: bool, reference: str,
                       actor: Actor, now: datetime) -> AmmoLot:
    """Suspend a lot (every box of it must then be found) or lift it, under a reference."""
    lot = session.get(AmmoLot, lot_id)
    if lot is None:
        raise NotFound("No such lot.", lot_id=lot_id)
    if not (reference or "").strip():
        raise CatalogueInvalid("A suspension or its lifting cites a reference.")
    lot.suspended, lot.suspension_ref = suspended, reference.strip()
    record_audit(session, actor, "books.lot_suspend" if suspended else "books.lot_release",
                 now=now, entity="lot", entity_id=lot.id,
                 details={"reference": lot.suspension_ref})
    return lot
