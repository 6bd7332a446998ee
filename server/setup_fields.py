"""The fields of the entries typed at both doors, with their bounds, once: the books' setup
entries (agency, depot, building; the API's server/api/schemas/books.py and the HQ pages'
server/web/setup_forms.py), a lot's test result (server/api/schemas/safety.py and the HQ
lot page) and a tracing request, its acknowledgement and its answer
(server/api/schemas/tracing.py and the HQ tracing pages). Each door adds how its input
arrives; the rules are the domain's (sync/stock/setup.py, sync/stock/surveillance.py,
sync/tracing/requests.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate

from sync.tracing.requests import OUTCOMES, RequestIn, day_end

SHORT, NAME, TEXT = validate.Length(max=64), validate.Length(1, 200), validate.Length(max=200)
# days a form may name: every zone's day start and the day after exist as datetimes
DAYS = validate.Range(min=date(1900, 1, 1), max=date(9000, 12, 31))


class AgencyFields(Schema):
    name = fields.String(required=True, validate=NAME)
    marking_code = fields.String(required=True, validate=validate.Length(1, 16))


class DepotFields(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 8))
    name = fields.String(required=True, validate=NAME)
    type = fields.String(load_default="central_depot", validate=validate.Length(max=32))
    agency = fields.String(load_default=None, validate=SHORT)
    timezone = fields.String(load_default=None, validate=SHORT)
    commander_name = fields.String(load_default="", validate=validate.Length(max=200))
    licence_ref = fields.String(load_default="", validate=SHORT)
    security_plan_date = fields.Date(load_default=None)
    risk_assessment_date = fields.Date(load_default=None)


class BuildingFields(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 16))
    type = fields.String(load_default="storehouse", validate=validate.Length(max=32))
    ell_kg = fields.Dict(keys=fields.String(validate=validate.Length(max=3)),
                         values=fields.Decimal(allow_nan=False, as_string=True),
                         load_default=dict)
    ell_licence_ref = fields.String(load_default="", validate=SHORT)
    cgs_allowed = fields.String(load_default="", validate=validate.Length(max=40))
    lightning_protection = fields.Boolean(load_default=False)
    lightning_test_date = fields.Date(load_default=None)
    alarm = fields.Boolean(load_default=False)
    lock_type = fields.String(load_default="", validate=SHORT)


class LotTestFields(Schema):
    tested_on = fields.Date(required=True)
    laboratory = fields.String(required=True, validate=NAME)
    test = fields.String(required=True, validate=validate.Length(1, 100))
    code = fields.String(required=True, validate=validate.Length(1, 32))
    next_test_due = fields.Date(load_default=None)
    notes = fields.String(load_default="", validate=validate.Length(max=2000))


class TracingHeaderFields(Schema):
    """Who is asked, through whom, by when, and whom to answer."""

    requested_country = fields.String(required=True, validate=validate.Length(2, 2))
    body = fields.String(load_default="", validate=validate.Length(max=32))
    confirm_contested = fields.Boolean(load_default=False)
    requester_contact = fields.String(required=True, validate=validate.Length(1, 200))
    requested_answer_by = fields.Date(load_default=None, validate=DAYS)


class WeaponDataFields(Schema):
    """ISACS/MOSAIC 05.31's essential identification data (photos are attached after)."""

    manufacturer = fields.String(required=True, validate=NAME)
    serial = fields.String(required=True, validate=validate.Length(1, 64))
    type = fields.String(load_default="", validate=TEXT)
    model = fields.String(load_default="", validate=TEXT)
    calibre = fields.String(load_default="", validate=TEXT)
    country_of_manufacture = fields.String(load_default="", validate=validate.Length(max=2))
    last_import_country = fields.String(load_default="", validate=validate.Length(max=2))
    markings = fields.String(load_default="", validate=TEXT)


class SeizureFields(Schema):
    seizure_place = fields.String(load_default="", validate=validate.Length(max=500))
    seizure_date = fields.Date(load_default=None, validate=DAYS)
    circumstances = fields.String(load_default="", validate=validate.Length(max=500))


def request_in(header: dict[str, Any], weapon: dict[str, Any],
                    context: dict[str, Any]) -> RequestIn:
    """What sync/tracing/requests.send_request takes, from the loaded fields above."""
    seized = context.get("seizure_date")
    return RequestIn(
        requested_country=header["requested_country"], weapon=weapon,
        context={**context, "seizure_date": seized.isoformat() if seized else ""},
        requester_contact=header["requester_contact"], body=header["body"],
        confirm_contested=header["confirm_contested"],
        requested_answer_by=day_end(header["requested_answer_by"]),
        seized_weapon_id=header.get("seized_weapon_id"))


class TracingAckFields(Schema):
    contact = fields.String(load_default="", validate=TEXT)


class TracingAnswerFields(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    weapon_id = fields.String(load_default=None, validate=validate.Length(max=36))
    release = fields.List(fields.String(validate=validate.Length(max=32)), load_default=list,
                          validate=validate.Length(max=20))
    text = fields.String(load_default="", validate=validate.Length(max=5000))
