"""A voucher proposed offline: the op ``voucher.create`` (e.g. an issue written in a depot
without a link) obeys the same rules as one posted online: roles, the two-person queue,
never below zero. One that would take a book below zero is held for review with the reason,
and the phone finds it among its held vouchers on its next pull.

The engine's guarantees hold: the op is answered once and a replay gets the same answer
(idempotent by op_id); it is decided in the device's sequence order like any op; and a held
voucher is kept whole (nothing lost) until a person approves or rejects it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from server.db import new_uuid
from server.errors import InvalidInput
from server.models import VoucherProposal
from server.models.ledger import MovementType as MT
from sync.access.principal import check_may_post
from sync.access.scope import get_depot
from sync.engine.types import OpIn, OpOutcome
from sync.journal.trail import Actor, record_audit
from sync.stock.ledger import LineIn, NegativeStock, Voucher
from sync.stock.vouchers import VoucherIn, submit_voucher

if TYPE_CHECKING:
    from sync.engine.batch import Batch

LINE_FIELDS = ("crate_id", "quantity", "lot_id", "weapon_id", "to_crate_id", "to_location_id",
               "details")


def voucher_from_op(values: dict[str, Any]) -> VoucherIn:
    """The op's `set`, checked as the API's schema would: plain values, no surprises."""
    try:
        lines = tuple(LineIn(**{k: line[k] for k in LINE_FIELDS if k in line})
                      for line in values["lines"])
        occurred = datetime.fromisoformat(str(values["occurred_at"]))
        if occurred.tzinfo is None or not lines or len(lines) > 2000:
            raise ValueError
        if any(not isinstance(ln.quantity, int) or isinstance(ln.quantity, bool)
               for ln in lines):
            raise ValueError
        return VoucherIn(type=MT(values["type"]).value, lines=lines, occurred_at=occurred,
                         document_ref=str(values.get("document_ref", ""))[:64],
                         counterparty=str(values.get("counterparty", ""))[:200],
                         witnesses=tuple(str(w)[:200] for w in values.get("witnesses", ())),
                         notes=str(values.get("notes", ""))[:4000],
                         voucher=Voucher(issuer=str(values.get("issuer", ""))[:200],
                                         receiver=str(values.get("receiver", ""))[:200]))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InvalidInput("A voucher op sets depot, type, lines (1-2000), an aware "
                           "occurred_at and document_ref.") from None


def create_voucher(ctx: Batch, op: OpIn) -> OpOutcome:
    values = op.set or {}
    depot = get_depot(ctx.session, ctx.principal, str(values.get("depot", "")))
    data = voucher_from_op(values)
    check_may_post(ctx.principal, data.type)
    try:
        with ctx.session.begin_nested():
            posted = submit_voucher(ctx.session, ctx.principal, depot, data, now=ctx.now)
    except NegativeStock as exc:
        return _hold(ctx, op, depot, data, exc)
    if posted.movement is not None:
        return OpOutcome(op.op_id, "applied", code="ledger.posted",
                         reason=posted.movement.voucher_number)
    return OpOutcome(op.op_id, "applied", code="ledger.awaiting_approval",
                     reason=f"proposal {posted.proposal.id} awaits a second person")


def _hold(ctx: Batch, op: OpIn, depot, data: VoucherIn, exc: NegativeStock) -> OpOutcome:
    held = VoucherProposal(id=new_uuid(), depot_id=depot.id, type=MT(data.type),
                           payload={**data.to_json(), "op_id": op.op_id},
                           originator_id=ctx.principal.user_id,
                           device_id=ctx.principal.device_id, proposed_at=ctx.now,
                           status="held", decision_note=exc.message)
    ctx.session.add(held)
    ctx.session.flush()
    record_audit(ctx.session, Actor.of(ctx.principal), "voucher.held", now=ctx.now,
                 entity="proposal", entity_id=held.id, country_code=depot.country_code,
                 depot_id=depot.id,
                 details={"op_id": op.op_id, "reason": exc.message})
    return OpOutcome(op.op_id, "blocked", code="ledger.held_for_review",
                     reason=f"Held for review: {exc.message}")
