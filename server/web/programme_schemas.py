"""What the programme's pages accept: a period (a quarter, 2026Q3), a report language, and
the release and withdrawal forms."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, post_load, validate

from server.errors import AppError
from server.web.schemas import Form
from sync.people.staff import LANGUAGES
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
