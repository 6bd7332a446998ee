"""A transfer NMY -> ZDR end to end: the sender's book goes down, the consignment is in
transit, ZDR acknowledges 9 of 10 lines, a discrepancy opens at ZDR and the missing line
stays in transit."""

import pytest
from sqlalchemy import func, select

from server.db import utcnow
from server.errors import Conflict, NotFound
from server.models import Consignment, Crate, Depot, Discrepancy, Location, User, Weapon
from server.models.inventory import CrateKind
from server.models.inventory import WeaponStatus as WS
from sync.access.principal import MovementNotAllowed, Principal
from sync.journal.trail import SYSTEM, verify_audit
from sync.stock import inventory, transfers
from sync.stock.ledger import LineIn, Voucher, post_movement
from sync.stock.ledger_verify import verify_ledgers
from sync.stock.placement import WeaponMisplaced
from tests.factories import add_ammo_crate, add_user, build_world


@pytest.fixture
def w(session):
    return transfer_world(session)


def transfer_world(session):
    """The world, with zdr_commander, nine boxes of 100 at NMY and ten empty crates at ZDR."""
    world = build_world(session)
    add_user(session, world, "zdr_commander", "commander", "NE", ["ZDR"], device=False)
    nmy = session.get(Depot, world.depots["NE-NMY"])
    for n in range(9):
        add_ammo_crate(session, world, f"box{n}", nmy, 100, world.lots["ball"], "NE-NMY/B1/A1",
                       "commander")
    zdr = session.get(Depot, world.depots["NE-ZDR"])
    where = session.get(Location, world.locations["NE-ZDR/B1/A1"])
    for n in range(10):
        label = inventory.allocate_labels(session, zdr, 1)[0]
        crate = inventory.register_crate(session, zdr, label_id=label, kind=CrateKind.AMMO_BOX,
                                         location=where, actor=SYSTEM, now=utcnow())
        world.crate_ids[f"zdr{n}"] = crate.id
    session.commit()
    return world


def who(session, w, name):
    return Principal.of_user(session.get(User, w.users[name]))


def send(session, w, user="commander"):
    lines = [LineIn(crate_id=w.crate_ids[f"box{n}"], quantity=100) for n in range(9)]
    lines.append(LineIn(weapon_id=w.weapons["AK100001"]))
    return transfers.send_transfer(
        session, who(session, w, user), session.get(Depot, w.depots["NE-NMY"]),
        to_depot="zdr", lines=lines, document_ref="Ordre de mouvement 45/EMA/2026",
        occurred_at=utcnow(), now=utcnow(), voucher=Voucher(
            issuer="Adj. Sani", issuer_signed_at=utcnow(), transport={
                "vehicle": "Renault Kerax 4 567 NE", "escort": "1 section de la GN",
                "seals": ["NE-0044518", "NE-0044519"]}))


def test_transfer_nmy_to_zdr_end_to_end(session, w):
    consignment = send(session, w)
    session.commit()
    assert all(session.get(Crate, w.crate_ids[f"box{n}"]).quantity == 0 for n in range(9))
    assert session.get(Weapon, w.weapons["AK100001"]).status is WS.IN_TRANSIT
    hq = who(session, w, "reviewer")
    assert len(transfers.in_transit(session, hq)) == 10
    consignment_id = consignment.id
    with pytest.raises(WeaponMisplaced):  # in transit to ZDR: NMY cannot take it back in
        post_movement(session, depot_id=w.depots["NE-NMY"], type="transfer_in",
                      lines=[LineIn(weapon_id=w.weapons["AK100001"],
                                    to_crate_id=w.crate_ids["rifles"])],
                      originator_id=w.users["commander"], occurred_at=utcnow(), now=utcnow())
    session.rollback()

    receiver = who(session, w, "zdr_commander")
    acks = [transfers.AckIn(line_no=n + 1, received_quantity=100,
                            to_crate_id=w.crate_ids[f"zdr{n}"]) for n in range(8)]
    acks.append(transfers.AckIn(line_no=10, received_quantity=1,
                                to_location_id=w.locations["NE-ZDR/B1/A2"]))
    transfers.acknowledge(session, receiver, consignment_id, acks, complete=True,
                          document_ref="PV de réception 12/2026", now=utcnow())
    session.commit()
    got = session.get(Consignment, consignment_id)
    assert got.status == "short" and got.received_at is not None
    assert sum(session.get(Crate, w.crate_ids[f"zdr{n}"]).quantity for n in range(10)) == 800
    weapon = session.get(Weapon, w.weapons["AK100001"])
    assert (weapon.status, weapon.depot_id) == (WS.IN_STORE, w.depots["NE-ZDR"])
    found = session.scalars(select(Discrepancy)).all()
    assert [(d.kind, d.depot_id, d.details["missing"]) for d in found] == [
        ("transit_shortage", w.depots["NE-ZDR"], 100)]
    left = transfers.in_transit(session, hq)
    assert [(row.line.line_no, row.line.in_transit) for row in left] == [(9, 100)]
    assert verify_ledgers(session) == [] and verify_audit(session) == []
    with pytest.raises(Conflict):
        transfers.acknowledge(session, receiver, consignment_id, [], complete=True,
                              document_ref="again", now=utcnow())


def test_lines_received_one_at_a_time_and_a_wrong_lot(session, w):
    consignment = send(session, w)
    receiver = who(session, w, "zdr_commander")
    transfers.acknowledge(session, receiver, consignment.id, [transfers.AckIn(
        line_no=1, received_quantity=100, to_crate_id=w.crate_ids["zdr0"],
        lot_seen="BG-98-118")], complete=False, document_ref="PV 13", now=utcnow())
    session.commit()
    assert session.get(Consignment, consignment.id).status == "in_transit"
    assert session.scalar(select(Discrepancy.kind)) == "wrong_lot"
    assert len(transfers.in_transit(session, receiver)) == 9


def test_only_posters_send_and_only_the_receiver_acknowledges(session, w):
    with pytest.raises(MovementNotAllowed):
        send(session, w, user="inspector")
    consignment = send(session, w)
    with pytest.raises(NotFound):  # NMY's commander does not receive for ZDR
        transfers.acknowledge(session, who(session, w, "commander"), consignment.id, [],
                              complete=True, document_ref="x", now=utcnow())
    assert session.scalar(select(func.count(Discrepancy.id))) == 0
