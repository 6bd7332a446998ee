"""The limits on the other paths stock enters a building by: a transfer in, an opening
balance (refused whole), an adjustment; a proposal tried at once; and the road of
unserviceable stock: awaiting disposal before destruction."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from server.db import utcnow
from server.models import Crate, Depot, Movement, SafetyItem, User
from server.models.inventory import Condition, StockCategory
from server.models.ledger import MovementType as MT
from sync.access.principal import Principal
from sync.stock import imports, transfers, vouchers
from sync.stock.ledger import LineIn, post_movement
from sync.stock.magazines import IncompatibleStorage, LimitExceeded, building_loads
from sync.stock.surveillance import NotAwaitingDisposal
from tests.factories import add_ammo_crate, add_user, build_world
from tests.safety_seed import build_safety, empty_box, set_policy


@pytest.fixture
def w(session):
    world = build_world(session)
    add_user(session, world, "zdr_commander", "commander", "NE", ["ZDR"], device=False)
    safety = build_safety(session, world)
    zdr = session.get(Depot, world.depots["NE-ZDR"])
    for b in zdr.buildings:  # ZDR's B1 licensed for 10 kg of 1.1
        b.ell_kg = {"1.1": 10.0, "1.4": 500.0}
    add_ammo_crate(session, world, "nmy_he", session.get(Depot, world.depots["NE-NMY"]), 20,
                   safety.he_lot, "NE-NMY/B2/A2", "commander")
    world.crate_ids["zdr_empty"] = empty_box(session, world, zdr, "NE-ZDR/B1/A2")
    session.commit()
    world.safety = safety
    return world


def who(session, w, name):
    return Principal.of_user(session.get(User, w.users[name]))


def movements(session):
    return session.scalar(select(func.count(Movement.id)))


def test_a_transfer_in_over_the_receivers_limit_is_refused(session, w):
    consignment = transfers.send_transfer(
        session, who(session, w, "commander"), session.get(Depot, w.depots["NE-NMY"]),
        to_depot="ZDR", lines=[LineIn(crate_id=w.crate_ids["nmy_he"], quantity=20)],
        document_ref="OM 45/EMA/2026", occurred_at=utcnow(), now=utcnow())
    session.commit()
    before = movements(session)
    with pytest.raises(LimitExceeded) as err:  # 20 bombs = 13 kg of 1.1 into 10 kg
        transfers.acknowledge(session, who(session, w, "zdr_commander"), consignment.id,
                              [transfers.AckIn(line_no=1, received_quantity=20,
                                               to_crate_id=w.crate_ids["zdr_empty"])],
                              complete=True, document_ref="PV 12/GZ/2026", now=utcnow())
    assert err.value.details["building"] == "ZDR/B1" and err.value.details["neq_kg"] == 14.12
    session.rollback()
    assert movements(session) == before
    assert session.get(Crate, w.crate_ids["zdr_empty"]).quantity == 0


def test_an_opening_balance_over_a_limit_is_refused_whole(session, w):
    rows = [imports.Row(number=n, values={**dict.fromkeys(imports.COLUMNS, ""), **{
        "type": "ammo", "building": "B1", "stack": "A1", "calibre": "82mm", "ammo_type": "HE",
        "lot_number": "HE-82-2011-04", "maker": "Arsenal", "quantity": "10"}})
        for n in range(1, 9)]  # 80 bombs, 52 kg on a 10 kg licence
    before = movements(session)
    with pytest.raises(LimitExceeded):
        imports.import_register(session, who(session, w, "zdr_commander"),
                                session.get(Depot, w.depots["NE-ZDR"]), rows,
                                source_document="Registre ZDR 2020-2026", now=utcnow())
    session.rollback()
    assert movements(session) == before
    set_policy(session, "warn")
    imports.import_register(session, who(session, w, "zdr_commander"),
                            session.get(Depot, w.depots["NE-ZDR"]), rows,
                            source_document="Registre ZDR 2020-2026", now=utcnow())
    (item,) = session.scalars(select(SafetyItem))
    assert (item.kind, item.source, item.details["neq_kg"]) == ("ell_exceeded", "receipt",
                                                                53.12)


def test_an_adjustment_up_is_checked_when_proposed(session, w):
    """The two-person rule's trial run meets the limit: refused before anyone approves."""
    nmy = session.get(Depot, w.depots["NE-NMY"])
    post_movement(session, depot_id=nmy.id, type=MT.RECEIPT, originator_id=w.users["commander"],
                  lines=[LineIn(crate_id=w.safety.he_box, quantity=70, lot_id=w.safety.he_lot)],
                  occurred_at=utcnow(), now=utcnow())
    data = vouchers.VoucherIn(type="adjustment", document_ref="PV comptage 3/2026",
                              lines=(LineIn(crate_id=w.safety.he_box, quantity=10),),
                              occurred_at=utcnow())
    with pytest.raises(LimitExceeded):
        vouchers.submit_voucher(session, who(session, w, "commander"), nmy, data, now=utcnow())


def test_an_incompatible_receipt_is_refused_before_writing(session, w):
    nmy = session.get(Depot, w.depots["NE-NMY"])
    post_movement(session, depot_id=nmy.id, type=MT.RECEIPT, originator_id=w.users["commander"],
                  lines=[LineIn(crate_id=w.safety.he_box, quantity=5, lot_id=w.safety.he_lot)],
                  occurred_at=utcnow(), now=utcnow())
    session.commit()
    with pytest.raises(IncompatibleStorage):
        post_movement(session, depot_id=nmy.id, type=MT.RECEIPT,
                      originator_id=w.users["commander"], occurred_at=utcnow(), now=utcnow(),
                      lines=[LineIn(crate_id=w.safety.fuze_box, quantity=5,
                                    lot_id=w.safety.fuze_lot)])
    session.rollback()
    load = building_loads(session, [w.safety.b1])[w.safety.b1]
    assert load.groups == {"E", "S"} and load.neq["1.1"] == Decimal("3.25")


def test_unserviceable_stock_is_set_aside_before_it_is_destroyed(session, w):
    crate = session.get(Crate, w.crate_ids["nmy_he"])
    crate.lot.condition = Condition.UNSERVICEABLE_FOR_DISPOSAL
    nmy = session.get(Depot, w.depots["NE-NMY"])
    destroy = dict(depot_id=nmy.id, type=MT.DESTRUCTION, originator_id=w.users["commander"],
                   approver_id=w.users["reviewer"], occurred_at=utcnow(), now=utcnow(),
                   lines=[LineIn(crate_id=crate.id, quantity=20)],
                   witnesses=["Cne Ibrahim", "M. Diallo (UNREC)"],
                   voucher=vouchers.Voucher(certificate_ref="PV destruction 4/2026"))
    with pytest.raises(NotAwaitingDisposal):
        post_movement(session, **destroy)
    assert crate.quantity == 20  # refused before anything moved
    post_movement(session, depot_id=nmy.id, type=MT.CONDITION_CHANGE,
                  originator_id=w.users["commander"], approver_id=w.users["reviewer"],
                  occurred_at=utcnow(), now=utcnow(),
                  lines=[LineIn(crate_id=crate.id,
                                details={"category": StockCategory.AWAITING_DISPOSAL.value})])
    post_movement(session, **destroy)
    assert session.get(Crate, crate.id).quantity == 0
