"""The weapon model catalogue, and the makers' aliases that make two spellings one maker
("Izhmash" and "Kalashnikov Concern")."""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base


class MakerAlias(Base):
    """Another name for a maker: looked up case-insensitively (``alias_key``)."""

    __tablename__ = "maker_aliases"

    alias_key: Mapped[str] = mapped_column(String(100), primary_key=True)  # casefolded
    alias: Mapped[str] = mapped_column(String(100))
    maker: Mapped[str] = mapped_column(String(100))  # the canonical name


class WeaponModel(Base):
    __tablename__ = "weapon_models"
    __table_args__ = (UniqueConstraint("manufacturer", "model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    manufacturer: Mapped[str] = mapped_column(String(100))  # canonical maker
    country: Mapped[str] = mapped_column(String(2))  # of manufacture
    type: Mapped[str] = mapped_column(String(64))  # assault rifle, pistol, RPG launcher…
    model: Mapped[str] = mapped_column(String(100))
    calibre: Mapped[str] = mapped_column(String(32))
