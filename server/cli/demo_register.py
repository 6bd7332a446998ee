"""The demo's weapon register and tracing: Niger and Nigeria both work with the ECOWAS
Commission (whose officer gets a login), Niger's marking format, the first weapons of Niamey
marked, and a tracing request from Nigeria that the Commission has passed on to Niger, waiting
for Niger's answer."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Country, Weapon
from sync.access.principal import Principal
from sync.journal.trail import SYSTEM
from sync.people import accounts
from sync.stock.marking import Marking, MarkingFormat
from sync.stock.serials import plain_serial
from sync.tracing import requests
from sync.tracing.bodies import STANDINGS

MARKED = 60  # weapons of NMY given a national marking


def seed(session: Session, users: dict[str, Principal], creds: dict, *, now) -> None:
    for code in ("NE", "NG"):
        country = session.get(Country, code)
        country.settings = {**country.settings, "regional_bodies": {"ECOWAS": STANDINGS[0]},
                            "tracing": {"acknowledge_days": 7, "answer_days": 30}}
    accounts.create_body(session, "ECOWAS", "ECOWAS Commission (Small Arms Division)",
                         kind="regional", actor=SYSTEM, now=now)
    password = secrets.token_urlsafe(9)
    officer = accounts.create_user(session, "cedeao", role="regional", body_code="ECOWAS",
                                   password=password, full_name="ECOWAS officer",
                                   actor=SYSTEM, now=now)
    creds["users"]["cedeao"] = {"password": password, "role": "regional", "body": "ECOWAS"}
    fmt = MarkingFormat.of("NE", session.get(Country, "NE").settings)
    weapons = session.scalars(select(Weapon).where(Weapon.country_code == "NE")
                              .order_by(Weapon.serial).limit(MARKED)).all()
    for n, weapon in enumerate(weapons, start=1):
        marking = Marking("NE", "FAN", 2025, str(n).zfill(fmt.number_digits))
        weapon.national_marking = marking.as_dict()
        weapon.marking_key = plain_serial(marking.text(fmt))
    traced = weapons[-1]
    typed = traced.serial.replace("0", "O", 2)
    req = requests.send_request(session, users["ng_reviewer"], requests.RequestIn(
        requested_country="NE", body="ECOWAS", requester_contact="NCCSALW Abuja, tracing desk",
        weapon={"manufacturer": traced.manufacturer, "model": traced.model,
                "calibre": traced.calibre, "serial": typed,
                "country_of_manufacture": traced.country_of_manufacture},
        context={"seizure_place": "Maiduguri", "circumstances": "Seized at a checkpoint"}),
        now=now - timedelta(days=3))
    requests.route_request(session, Principal.of_user(officer), req.id,
                           now=now - timedelta(days=2))
