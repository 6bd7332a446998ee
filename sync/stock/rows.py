"""A crate read as a plain row (CrateRow): the ORM crate's attribute names and its depot,
location and lot, without the cost of an ORM object; a push reads its batch's crates so.
set_loaded() sets a value on a crate of either kind as the database already has it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from server.models import AmmoLot, Crate, Depot, Location, Weapon

COLUMNS = tuple(c.key for c in Crate.__table__.columns)  # each is also the attribute's name
# timestamps a push sets but never reads: read only if asked for (turning SQLite's text into
# datetimes would cost more than the rest of the row)
WHEN_ASKED = ("created_at", "updated_at", "last_counted_at")
READ = tuple(name for name in COLUMNS if name not in WHEN_ASKED)  # read_rows' query


class CrateRow:
    """One crate's columns as attributes (those in READ as read, the others when asked for),
    with its depot, location and lot (ORM objects, a batch's few). Nothing tracks it: whoever
    changes one writes the row (a push stages it)."""

    depot: Depot
    location: Location | None
    lot: AmmoLot | None

    def __init__(self, session: Session, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
        self._session = session

    def __getattr__(self, name: str) -> Any:  # only for an attribute not set yet
        if name not in WHEN_ASKED:
            raise AttributeError(name)
        value = self._session.scalar(select(Crate.__table__.c[name]).where(
            Crate.__table__.c.id == self.id))
        setattr(self, name, value)
        return value

    @property
    def weapons(self) -> list[Weapon]:
        """As the ORM crate's relationship gives them (read when asked, as it is)."""
        return list(self._session.scalars(select(Weapon).where(Weapon.crate_id == self.id)
                                          .order_by(Weapon.serial)))


def set_loaded(crate: Crate | CrateRow, name: str, value: Any) -> None:
    """Set a crate's value as loaded: on an ORM crate, without marking it changed (the row is
    written by a bulk statement, not by the unit of work); on a CrateRow, plainly."""
    if isinstance(crate, CrateRow):
        setattr(crate, name, value)
    else:
        set_committed_value(crate, name, value)
