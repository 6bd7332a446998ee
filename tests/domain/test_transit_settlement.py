"""A consignment line received short is settled, through the approval queue, by a movement:
found later (a late transfer-in at the receiver), returned to the sender, or lost or stolen
in transit (received late, then a loss voucher that starts the reporting clock); never by
"no adjustment", never by the proposer alone, and the in-transit balance ends at zero with
every book and chain whole."""

import pytest
from sqlalchemy import select

from server.db import utcnow
from server.errors import InvalidInput, NotFound
from server.models import Consignment, Crate, Discrepancy, Movement
from server.models.ledger import MovementType as MT
from sync.access.principal import SelfApproval
from sync.journal.trail import verify_audit
from sync.stock import discrepancies, losses, transfers
from sync.stock.ledger_verify import verify_ledgers
from tests.domain.test_transfers import send, transfer_world, who


@pytest.fixture
def w(session):
    return transfer_world(session)


def short_by_100(session, w):
    """NMY sends 9 boxes of 100 and a rifle; ZDR receives all but line 9 (box8)."""
    consignment = send(session, w)
    acks = [transfers.AckIn(line_no=n + 1, received_quantity=100,
                            to_crate_id=w.crate_ids[f"zdr{n}"]) for n in range(8)]
    acks.append(transfers.AckIn(line_no=9, received_quantity=0,
                                to_crate_id=w.crate_ids["zdr8"]))
    acks.append(transfers.AckIn(line_no=10, received_quantity=1,
                                to_location_id=w.locations["NE-ZDR/B1/A2"]))
    transfers.acknowledge(session, who(session, w, "zdr_commander"), consignment.id, acks,
                          complete=True, document_ref="PV 12/2026", now=utcnow())
    session.commit()
    return consignment.id, session.scalar(select(Discrepancy.id))


def in_transit(session, w) -> list:
    return [(r.line.line_no, r.line.in_transit)
            for r in transfers.in_transit(session, who(session, w, "reviewer"))]


def quantity(session, w, name) -> int:
    return session.get(Crate, w.crate_ids[name]).quantity


@pytest.mark.parametrize(("outcome", "zdr8", "box8", "types"), [
    ("found", 100, 0, [MT.TRANSFER_IN]),
    ("returned", 0, 100, [MT.TRANSFER_IN]),
    ("loss", 0, 0, [MT.TRANSFER_IN, MT.LOSS]),
    ("theft", 0, 0, [MT.TRANSFER_IN, MT.THEFT]),
], ids=["found later", "returned to the sender", "lost in transit", "stolen in transit"])
def test_a_transit_shortage_is_settled_by_a_movement(session, w, outcome, zdr8, box8, types):
    consignment_id, discrepancy_id = short_by_100(session, w)
    assert in_transit(session, w) == [(9, 100)]
    before = session.scalar(select(Movement.id).order_by(Movement.recorded_at.desc()))
    found = discrepancies.close_discrepancy(
        session, who(session, w, "zdr_commander"), discrepancy_id, outcome=outcome,
        cause="Convoy report 44/2026", now=utcnow())
    session.commit()
    assert found.status == "awaiting_approval"
    assert in_transit(session, w) == [(9, 100)]  # nothing moves before the second person
    with pytest.raises((SelfApproval, NotFound)):  # NotFound: a return posts at NMY
        discrepancies.approve_discrepancy(session, who(session, w, "zdr_commander"),
                                          discrepancy_id, now=utcnow())
    session.rollback()
    discrepancies.approve_discrepancy(session, who(session, w, "reviewer"), discrepancy_id,
                                      now=utcnow())
    session.commit()
    assert session.get(Discrepancy, discrepancy_id).status == "closed"
    assert in_transit(session, w) == []
    assert (quantity(session, w, "zdr8"), quantity(session, w, "box8")) == (zdr8, box8)
    posted = session.scalars(select(Movement).where(Movement.id != before).order_by(
        Movement.depot_id, Movement.depot_seq)).all()
    assert [m.type for m in posted if m.reference.startswith(("consignment:", "proposal:"))
            and m.type is not MT.TRANSFER_OUT][-len(types):] == types
    if outcome in ("loss", "theft"):
        queue = losses.loss_queue(session, who(session, w, "reviewer"), now=utcnow())
        assert [row.proposal.type.value for row in queue] == [outcome]
    assert session.get(Consignment, consignment_id).status == "short"
    assert verify_ledgers(session) == [] and verify_audit(session) == []


def test_a_transit_shortage_says_where_it_went(session, w):
    _, discrepancy_id = short_by_100(session, w)
    with pytest.raises(InvalidInput, match="closed as found, returned"):
        discrepancies.close_discrepancy(session, who(session, w, "zdr_commander"),
                                        discrepancy_id, outcome="no_adjustment",
                                        cause="never mind", now=utcnow())
    with pytest.raises(InvalidInput, match="No crate"):
        discrepancies.close_discrepancy(session, who(session, w, "zdr_commander"),
                                        discrepancy_id, outcome="found", cause="x",
                                        into_crate="NE-NMY-000000", now=utcnow())
    assert discrepancies.outcomes_for("transit_shortage") == ("found", "returned", "loss",
                                                              "theft")
    assert discrepancies.outcomes_for("surplus") == ("no_adjustment", "adjust", "found")
