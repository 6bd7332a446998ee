"""What the programme's pages accept: a period (a quarter, 2026Q3), a report language, the
release and withdrawal forms, and the people's forms (staff, appointment, course,
attendance)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, post_load, validate

from server.errors import AppError
from server.models.programme import Competence, Post
from server.web.schemas import Form
from sync.engine.types import MAX_INT
from sync.people.courses import LEVELS as COURSE_LEVELS
from sync.people.staff import LANGUAGES
from sync.people.training import VETTING
from sync.programme.indicators import Quarter, parse_period


def period_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=8), **kwargs)


class PeriodArgs(Form):
    period = period_field(load_default=None)
    lang = fields.String(load_default=None, validate=validate.OneOf(LANGUAGES))

    @post_load
    def quarter(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """No period: the last finished quarter."""
        try:
            data["period"] = (parse_period(data["period"], quarters_only=True)
                              if data["period"] else None)
        except AppError as exc:
            raise ValidationError(str(exc), "period") from None
        return data


def last_finished(today) -> Quarter:
    return Quarter.of(today).previous()


class ReleaseForm(Form):
    body = fields.String(required=True, validate=validate.Length(min=1, max=32))
    period = period_field(required=True)
    challenges = fields.String(load_default="", validate=validate.Length(max=4000))


class WithdrawForm(Form):
    body = fields.String(required=True, validate=validate.Length(min=1, max=32))
    period = period_field(required=True)


class StaffForm(Form):
    full_name = fields.String(required=True, validate=validate.Length(1, 200))
    rank = fields.String(load_default="", validate=validate.Length(max=64))
    agency = fields.String(load_default=None, validate=validate.Length(max=16))
    depot = fields.String(load_default=None, validate=validate.Length(max=8))
    vetting = fields.String(load_default="not_vetted", validate=validate.OneOf(VETTING))
    vetted_on = fields.Date(load_default=None)
    login = fields.String(load_default=None, validate=validate.Length(max=64))


class AppointmentForm(Form):
    staff = fields.Integer(required=True, strict=False, validate=validate.Range(1, MAX_INT))
    depot = fields.String(required=True, validate=validate.Length(1, 8))
    post = fields.String(required=True, validate=validate.OneOf([p.value for p in Post]))
    document = fields.String(required=True, validate=validate.Length(1, 64))
    on = fields.Date(required=True)


class CourseForm(Form):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    level = fields.String(required=True, validate=validate.OneOf(COURSE_LEVELS))
    competence = fields.String(required=True,
                               validate=validate.OneOf([c.value for c in Competence]))
    starts = fields.Date(required=True)
    ends = fields.Date(required=True)
    place = fields.String(load_default="", validate=validate.Length(max=200))
    organiser = fields.String(load_default="", validate=validate.Length(max=200))
    refresher_months = fields.Integer(load_default=None, strict=False,
                                      validate=validate.Range(1, 120))
    trainers = fields.List(fields.Integer(strict=False, validate=validate.Range(1, MAX_INT)),
                           load_default=list, validate=validate.Length(max=50))
    outside = fields.String(load_default="", validate=validate.Length(max=2000))

    @post_load
    def outside_names(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Outside trainers, one name a line."""
        data["outside"] = tuple(n.strip() for n in data["outside"].splitlines() if n.strip())
        return data


class AttendanceForm(Form):
    course = fields.Integer(required=True, strict=False, validate=validate.Range(1, MAX_INT))
    staff = fields.Integer(required=True, strict=False, validate=validate.Range(1, MAX_INT))
    outcome = fields.String(required=True, validate=validate.OneOf(("passed", "failed",
                                                                     "absent")))
    score = fields.Float(load_default=None, allow_nan=False, validate=validate.Range(0, 100))
