"""The weapon model catalogue, and the makers' aliases that make two spellings one maker
("Izhmash" and "Kalashnikov Concern"). Each entry belongs to a country, or (country_code
NULL) is a shared default every country sees and may extend with its own."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base


class MakerAlias(Base):
    """Another name for a maker: looked up case-insensitively (``alias_key``)."""

    __tablename__ = "maker_aliases"
    __table_args__ = (UniqueConstraint("country_code", "alias_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"), index=True)
    alias_key: Mapped[str] = mapped_column(String(100))  # casefolded
    alias: Mapped[str] = mapped_column(String(100))
    maker: Mapped[str] = mapped_column(String(100))  # the canonical name


class WeaponModel(Base):
    __tablename__ = "weapon_models"
    __table_args__ = (UniqueConstraint("country_code", "manufacturer", "model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"), index=True)
    manufacturer: Mapped[str] = mapped_column(String(100))  # canonical maker
    country: Mapped[str] = mapped_column(String(2))  # of manufacture
    type: Mapped[str] = mapped_column(String(64))  # assault rifle, pistol, RPG launcher…
    model: Mapped[str] = mapped_column(String(100))
    calibre: Mapped[str] = mapped_column(String(32))
