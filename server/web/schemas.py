"""What the HQ pages accept: query arguments and form fields, parsed into plain values.
A bad value is a 422 page (server/error_handlers.py); unknown arguments are ignored, so
links shared with extra arguments still open."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, post_load, pre_load, validate

from server.models.inventory import Condition, CrateKind, CrateStatus, StockCategory
from server.setup_fields import (
    DAYS,
    LotTestFields,
    SeizureFields,
    TracingAckFields,
    TracingAnswerFields,
    TracingHeaderFields,
    WeaponDataFields,
)
from sync.engine.types import MAX_INT
from sync.inspections.findings import STATUSES as FINDING_STATUSES
from sync.inspections.stock_checks import KINDS as CHECK_KINDS
from sync.labels.contents import Selection
from sync.labels.printing import PrintOrder
from sync.labels.sheets import LANGUAGES as LABEL_LANGUAGES
from sync.labels.sheets import LAYOUTS
from sync.people.staff import LANGUAGES
from sync.stock.discrepancies import MAX_ADJUSTMENT, OUTCOMES
from sync.views.inspection_log import SORTS, STATUSES, LogFilter
from sync.views.stock import SORTS as CRATE_SORTS
from sync.views.stock import CrateFilter


class Form(Schema):
    class Meta:
        unknown = EXCLUDE

    @pre_load
    def drop_empty(self, data: Any, **kwargs: Any) -> dict[str, Any]:
        """An empty field of an HTML form means "not given"; a list field (ticked boxes, a
        multiple select) is every value the form repeats under its name."""
        lists = {f.data_key or name for name, f in self.fields.items()
                 if isinstance(f, fields.List)}
        out = {k: v for k, v in data.items() if k not in lists and v.strip() != ""}
        for name in lists & set(data.keys()):
            given = data.getlist(name) if hasattr(data, "getlist") else data[name]
            chosen = [v for v in given if v.strip()]
            if chosen:
                out[name] = chosen
        return out


class LoginForm(Form):
    username = fields.String(required=True, validate=validate.Length(max=64))
    password = fields.String(required=True, validate=validate.Length(max=1024))
    next = fields.String(load_default="", validate=validate.Length(max=2000))


class LanguageForm(Form):
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    next = fields.String(load_default="", validate=validate.Length(max=2000))




class ListArgs(Form):
    """A list's arguments as its filter (FILTER) and the page asked for; `dir` becomes
    `descending`."""

    FILTER: type

    @post_load
    def to_filter(self, data: dict[str, Any], **kwargs: Any) -> tuple[Any, int]:
        page = data.pop("page")
        data["descending"] = data.pop("dir") == "desc"
        return self.FILTER(**data), page


class LogArgs(ListArgs):
    FILTER = LogFilter

    depot = fields.String(load_default=None, validate=validate.Length(max=8))
    inspector = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_INT))
    form = fields.String(load_default=None, validate=validate.Length(max=64))
    date_from = fields.Date(load_default=None, data_key="from", validate=DAYS)
    date_to = fields.Date(load_default=None, data_key="to", validate=DAYS)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    sort = fields.String(load_default="received", validate=validate.OneOf(SORTS))
    dir = fields.String(load_default="desc", validate=validate.OneOf(("asc", "desc")))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))



class QueueArgs(Form):
    status = fields.String(load_default="open", validate=validate.OneOf(
        ("open", "resolved", "awaiting_approval", "closed", "all")))
    depot = fields.String(load_default=None, validate=validate.Length(max=8))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))

    @post_load
    def tidy(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["status_filter"] = None if data["status"] == "all" else data["status"]
        data["depot"] = data["depot"].upper() if data["depot"] else None
        return data


class ResolveForm(Form):
    choose = fields.String(required=True, validate=validate.OneOf(("server", "phone", "value")))
    value = fields.String(load_default="", validate=validate.Length(max=10_000))
    reason = fields.String(required=True, validate=validate.Length(max=2000))


class NoteForm(Form):
    text = fields.String(required=True, validate=validate.Length(max=5000))


class CloseForm(Form):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    cause = fields.String(required=True, validate=validate.Length(max=5000))
    adjustment = fields.Integer(load_default=None, validate=validate.Range(
        min=-MAX_ADJUSTMENT, max=MAX_ADJUSTMENT))
    into_crate = fields.String(load_default=None, validate=validate.Length(max=40))


class ApproveForm(Form):
    adjustment = fields.Integer(load_default=None, validate=validate.Range(
        min=-MAX_ADJUSTMENT, max=MAX_ADJUSTMENT))


class EnrolForm(Form):
    user_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_INT))
    name = fields.String(load_default="", validate=validate.Length(max=100))



class FindingArgs(Form):
    status = fields.String(load_default="all", validate=validate.OneOf((*FINDING_STATUSES,
                                                                        "all")))
    depot = fields.String(load_default=None, validate=validate.Length(max=8))
    overdue = fields.Boolean(load_default=False)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))

    @post_load
    def tidy(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["status_filter"] = None if data["status"] == "all" else data["status"]
        data["depot"] = data["depot"].upper() if data["depot"] else None
        return data


class PlanForm(Form):
    action = fields.String(required=True, validate=validate.Length(max=10_000))
    owner_id = fields.Integer(required=True)
    due = fields.Date(required=True)


class DoneForm(Form):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class VerifyForm(Form):
    visit_id = fields.String(required=True, validate=validate.Length(max=64))


class PlanCheckForm(Form):
    depot = fields.String(required=True, validate=validate.Length(max=8))
    kind = fields.String(required=True, validate=validate.OneOf(CHECK_KINDS))
    scope = fields.String(load_default="", validate=validate.Length(max=16))
    team_ids = fields.String(required=True, data_key="team",  # user ids, comma-separated
                             validate=validate.Regexp(r"^\d{1,9}(,\d{1,9}){0,19}$"))
    independent_id = fields.Integer(required=True, data_key="independent")
    blind = fields.Boolean(load_default=False)
    planned_for = fields.Date(required=True)

    @post_load
    def team(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["team_ids"] = [int(i) for i in data["team_ids"].split(",")]
        return data

    @classmethod
    def of(cls, form) -> dict[str, Any]:
        """The HTML form's fields, its team's checkboxes (one field each) joined."""
        return cls().load({**form.to_dict(), "team": ",".join(form.getlist("team"))})


class VoucherBookArgs(Form):
    TYPES = ("receipt", "issue", "return", "transfer_out", "transfer_in", "relocation",
             "adjustment", "loss", "theft", "found", "write_off", "destruction", "export",
             "condition_change", "marking")
    type = fields.String(load_default=None, validate=validate.OneOf(TYPES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


class ApprovalForm(Form):
    status = fields.String(load_default="pending", validate=validate.OneOf(
        ("pending", "held", "approved", "rejected")))


class RejectForm(Form):
    note = fields.String(required=True, validate=validate.Length(1, 2000))


class AcknowledgeForm(Form):
    document_ref = fields.String(required=True, validate=validate.Length(1, 64))
    complete = fields.Boolean(load_default=False)


class ImportForm(Form):
    source = fields.String(required=True, validate=validate.Length(1, 64))
    sha256 = fields.String(load_default=None, validate=validate.Length(max=64))
    ext = fields.String(load_default=None, validate=validate.OneOf(("csv", "xlsx")))
    book = fields.Boolean(load_default=False)


def _one_of(enum_type) -> validate.OneOf:
    return validate.OneOf([member.value for member in enum_type])


class CrateArgs(ListArgs):
    FILTER = CrateFilter

    building = fields.String(load_default=None, validate=validate.Length(max=16))
    kind = fields.String(load_default=None, validate=_one_of(CrateKind))
    nature = fields.String(load_default=None, validate=validate.Length(max=64))
    calibre = fields.String(load_default=None, validate=validate.Length(max=32))
    hd = fields.String(load_default=None, validate=validate.Regexp(r"^1\.[1-6]$"))
    cg = fields.String(load_default=None, validate=validate.Regexp(r"^[A-HJKLNS]$"))
    lot = fields.String(load_default=None, validate=validate.Length(max=64))
    status = fields.String(load_default=None, validate=_one_of(CrateStatus))
    condition = fields.String(load_default=None, validate=_one_of(Condition))
    category = fields.String(load_default=None, validate=_one_of(StockCategory))
    sort = fields.String(load_default="label", validate=validate.OneOf(sorted(CRATE_SORTS)))
    dir = fields.String(load_default="asc", validate=validate.OneOf(("asc", "desc")))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))



class SearchArgs(Form):
    # no control characters: nothing searched holds one, and PostgreSQL refuses NUL
    q = fields.String(load_default="", validate=[validate.Length(max=200), validate.Regexp(
        r"^[^\x00-\x1f\x7f]*$", error="Control characters are not searched.")])


class ReportArgs(Form):
    lang = fields.String(load_default=None, validate=validate.OneOf(LANGUAGES))


class LabelSheetForm(Form):
    """Label sheets from the crate list (ticked crates) or the depot page (a building or
    every crate)."""

    crate = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list,
                        validate=validate.Length(max=2000))
    building = fields.String(load_default=None, validate=validate.Length(max=16))
    layout = fields.String(required=True, validate=validate.OneOf(sorted(LAYOUTS)))
    lang = fields.String(load_default=None, validate=validate.OneOf(LABEL_LANGUAGES))

    @post_load
    def to_order(self, data: dict[str, Any], **kwargs: Any) -> PrintOrder:
        building = data["building"]
        selection = Selection(crates=tuple(data["crate"])) if data["crate"] else Selection(
            building=None if building in (None, "*") else building, all=building == "*")
        return PrintOrder(selection=selection, layout=data["layout"], lang=data["lang"])


# --- the weapon register and tracing requests (server/web/register.py, tracing.py) --------

class ReconcileArgs(Form):
    months = fields.Integer(load_default=12, validate=validate.Range(min=1, max=240))


class AlertCloseForm(Form):
    note = fields.String(required=True, validate=validate.Length(1, 2000))


class TracingRequestForm(Form, TracingHeaderFields, WeaponDataFields, SeizureFields):
    """The API's nested weapon and seizure, flat on one HTML form."""


class TracingAckForm(Form, TracingAckFields):
    pass


class TracingAnswerForm(Form, TracingAnswerFields):
    pass


class TracingReportArgs(Form):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
    lang = fields.String(load_default=None, validate=validate.OneOf(LANGUAGES))


class SafetyQueueArgs(Form):
    status = fields.String(load_default="open", validate=validate.OneOf(
        ("open", "accepted", "dismissed", "all")))
    depot = fields.String(load_default=None, validate=validate.Length(max=8))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


class SafetyDecisionForm(Form):
    decision = fields.String(required=True, validate=validate.OneOf(("accept", "dismiss")))
    note = fields.String(required=True, validate=validate.Length(1, 2000))
    reference = fields.String(load_default="", validate=validate.Length(max=64))


class LotTestForm(Form, LotTestFields):
    pass


class SuspensionForm(Form):
    reference = fields.String(required=True, validate=validate.Length(1, 64))
    reason = fields.String(load_default="", validate=validate.Length(max=2000))
