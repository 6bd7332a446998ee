"""The weapon register for tools: register a weapon (ITI data, the national marking checked
against the country's format), read one, search by any mark."""

from __future__ import annotations

from flask import g, request

from server.api import bp
from server.api.schemas.register import (
    RegisterSearchArgs,
    SearchResult,
    WeaponInSchema,
    WeaponOut,
)
from server.auth import device_required
from server.bodies import read_json
from server.db import db, utcnow
from sync.register.records import get_weapon, register_weapon_record
from sync.register.search import search_register


@bp.post("/register/weapons")
@device_required
def register_weapon():
    data = WeaponInSchema().load(read_json())
    weapon = register_weapon_record(db.session, g.principal, data, now=utcnow(), source="api")
    db.session.commit()
    return WeaponOut().dump(weapon), 201


@bp.get("/register/weapons/<weapon_id>")
@device_required
def read_weapon(weapon_id: str):
    return WeaponOut().dump(get_weapon(db.session, g.principal, weapon_id))


@bp.get("/register/search")
@device_required
def search_weapons():
    args = RegisterSearchArgs().load(request.args)
    matches = search_register(db.session, g.principal, args["q"], now=utcnow(),
                              limit=args["limit"])
    db.session.commit()  # a lost or stolen weapon found raises its alert
    return SearchResult().dump({"matches": matches})
