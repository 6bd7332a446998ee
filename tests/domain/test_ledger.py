"""The ledger's invariants: stock from movements only, never negative, one place per weapon,
two people for write-offs, and a hash chain that names any altered entry."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from server.db import AppendOnly, utcnow
from server.models import AmmoItemType, Change, Crate, Movement, MovementLine, Weapon
from server.models.inventory import WeaponStatus
from server.models.ledger import MovementType as MT
from sync.access.principal import SelfApproval
from sync.journal.trail import canonical, verify_audit
from sync.stock import inventory
from sync.stock.ledger import (
    ApprovalRequired,
    CertificateRequired,
    LineIn,
    NegativeStock,
    Voucher,
    WitnessRequired,
    movement_content,
    post_movement,
)
from sync.stock.ledger_verify import verify_ledgers
from sync.stock.placement import WeaponMisplaced


def post(session, w, type, lines, originator="commander", **kw):
    now = utcnow()
    return post_movement(session, depot_id=w.depots["NE-NMY"], type=type, lines=lines,
                         originator_id=w.users[originator], occurred_at=now, now=now, **kw)


def crate(session, w, name="ammo"):
    return session.get(Crate, w.crate_ids[name])


def test_book_quantity_follows_the_ledger_and_bumps_the_version(session, w):
    before = crate(session, w)
    version, changes = before.version, session.scalar(select(func.count(Change.seq)))
    post(session, w, MT.ISSUE, [LineIn(crate_id=before.id, quantity=300)],
         counterparty="1er bataillon")
    session.commit()
    after = crate(session, w)
    assert after.quantity == 700
    assert after.version == version + 1
    assert session.scalar(select(func.count(Change.seq))) == changes + 1
    last = session.scalar(select(Change).order_by(Change.seq.desc()).limit(1))
    assert (last.entity, last.entity_id, last.version) == ("crate", after.id, after.version)
    assert verify_ledgers(session) == [] and verify_audit(session) == []


def test_negative_stock_is_refused_and_nothing_is_written(session, w):
    movements = session.scalar(select(func.count(Movement.id)))
    with pytest.raises(NegativeStock) as err:
        post(session, w, MT.ISSUE, [LineIn(crate_id=w.crate_ids["ammo"], quantity=1001)])
    session.rollback()
    assert err.value.details == {"crate": w.crates["ammo"], "book": 1000, "requested": 1001}
    assert crate(session, w).quantity == 1000
    assert session.scalar(select(func.count(Movement.id))) == movements


def test_the_database_itself_refuses_a_negative_quantity(session, w):
    with pytest.raises(Exception, match="(?i)check|constraint"):
        session.execute(update(Crate).where(Crate.id == w.crate_ids["ammo"])
                        .values(quantity=-1).execution_options(synchronize_session=False))


def test_a_weapon_placed_twice_is_refused(session, w):
    weapon_id = w.weapons["AK100001"]
    with pytest.raises(WeaponMisplaced) as err:
        post(session, w, MT.RECEIPT, [LineIn(weapon_id=weapon_id,
                                             to_crate_id=w.crate_ids["rifles"])])
    assert err.value.code == "ledger.weapon_misplaced"
    assert "AK100001" in str(err.value)


def test_a_weapon_of_another_depot_cannot_be_issued_here(session, w):
    now = utcnow()
    with pytest.raises(WeaponMisplaced):
        post_movement(session, depot_id=w.depots["NE-ZDR"], type=MT.ISSUE,
                      lines=[LineIn(weapon_id=w.weapons["AK100001"])],
                      originator_id=w.users["admin"], occurred_at=now, now=now)


def test_weapon_travels_issue_return_transfer(session, w):
    weapon_id = w.weapons["AK100002"]
    post(session, w, MT.ISSUE, [LineIn(weapon_id=weapon_id)], counterparty="Sgt Issa")
    weapon = session.get(Weapon, weapon_id)
    assert (weapon.status, weapon.crate_id, weapon.holder) == (WeaponStatus.ISSUED, None,
                                                               "Sgt Issa")
    post(session, w, MT.RETURN, [LineIn(weapon_id=weapon_id, to_crate_id=w.crate_ids["rifles"])])
    post(session, w, MT.TRANSFER_OUT, [LineIn(weapon_id=weapon_id)], counterparty="NE-ZDR")
    now = utcnow()
    with pytest.raises(WeaponMisplaced):  # in transit to ZDR: received only there
        post(session, w, MT.TRANSFER_IN, [LineIn(weapon_id=weapon_id,
                                                 to_crate_id=w.crate_ids["rifles"])])
    post_movement(session, depot_id=w.depots["NE-ZDR"], type=MT.TRANSFER_IN,
                  lines=[LineIn(weapon_id=weapon_id,
                                to_location_id=w.locations["NE-ZDR/B1/A1"])],
                  originator_id=w.users["admin"], occurred_at=now, now=now)
    session.commit()
    weapon = session.get(Weapon, weapon_id)
    assert (weapon.status, weapon.depot_id) == (WeaponStatus.IN_STORE, w.depots["NE-ZDR"])
    assert weapon.location_id == w.locations["NE-ZDR/B1/A1"] and weapon.crate_id is None
    assert verify_ledgers(session) == []


def test_write_off_needs_a_second_person(session, w):
    line = [LineIn(crate_id=w.crate_ids["ammo"], quantity=10)]
    with pytest.raises(ApprovalRequired):
        post(session, w, MT.WRITE_OFF, line)
    with pytest.raises(SelfApproval):
        post(session, w, MT.WRITE_OFF, line, approver_id=w.users["commander"])
    with pytest.raises(ApprovalRequired):  # an inspector cannot approve
        post(session, w, MT.WRITE_OFF, line, approver_id=w.users["inspector"])
    movement = post(session, w, MT.WRITE_OFF, line, approver_id=w.users["reviewer"])
    session.commit()
    assert movement.approver_id == w.users["reviewer"]
    assert crate(session, w).quantity == 990


def test_the_database_refuses_a_self_approved_movement(session, w):
    movement = post(session, w, MT.ISSUE, [LineIn(crate_id=w.crate_ids["ammo"], quantity=1)])
    session.commit()
    with pytest.raises(Exception, match="(?i)check|constraint"):
        session.execute(text("UPDATE movements SET approver_id = originator_id WHERE id = :id"),
                        {"id": movement.id})
        session.commit()


def test_adjustments_need_approval_and_destruction_needs_witnesses(session, w):
    with pytest.raises(ApprovalRequired):
        post(session, w, MT.ADJUSTMENT, [LineIn(crate_id=w.crate_ids["ammo"], quantity=-5)])
    with pytest.raises(WitnessRequired):
        post(session, w, MT.DESTRUCTION, [LineIn(crate_id=w.crate_ids["ammo"], quantity=5)],
             approver_id=w.users["reviewer"], witnesses=["Lt Moussa"])
    two = ["Lt Moussa", "M. Diallo (UNREC)"]
    with pytest.raises(CertificateRequired):
        post(session, w, MT.DESTRUCTION, [LineIn(crate_id=w.crate_ids["ammo"], quantity=5)],
             approver_id=w.users["reviewer"], witnesses=two)
    with pytest.raises(WitnessRequired, match="neither"):  # the approver cannot witness
        post(session, w, MT.DESTRUCTION, [LineIn(crate_id=w.crate_ids["ammo"], quantity=5)],
             approver_id=w.users["reviewer"], witnesses=["Lt Moussa", " REVIEWER "],
             voucher=Voucher(certificate_ref="CD-2026-007"))
    post(session, w, MT.DESTRUCTION, [LineIn(crate_id=w.crate_ids["ammo"], quantity=5)],
         approver_id=w.users["reviewer"], witnesses=two,
         voucher=Voucher(certificate_ref="CD-2026-007"))
    post(session, w, MT.ADJUSTMENT, [LineIn(crate_id=w.crate_ids["ammo"], quantity=-5)],
         approver_id=w.users["reviewer"])
    session.commit()
    assert crate(session, w).quantity == 990


def test_ledger_rows_are_append_only_through_the_orm(session, w):
    movement = session.scalar(select(Movement).limit(1))
    movement.notes = "quietly edited"
    with pytest.raises(AppendOnly):
        session.flush()


def test_an_altered_row_is_named_by_verify(session, w):
    movement = post(session, w, MT.ISSUE, [LineIn(crate_id=w.crate_ids["ammo"], quantity=100)])
    session.commit()
    session.execute(text("UPDATE movement_lines SET quantity = -1 WHERE movement_id = :id"),
                    {"id": movement.id})
    session.commit()
    problems = verify_ledgers(session)
    assert any(movement.id in p and "altered" in p for p in problems), problems
    assert any(w.crates["ammo"] in p and "ledger sums" in p for p in problems), problems


def test_a_removed_last_entry_is_noticed(session, w):
    movement = post(session, w, MT.ISSUE, [LineIn(crate_id=w.crate_ids["ammo"], quantity=100)])
    session.commit()
    session.execute(text("DELETE FROM movement_lines WHERE movement_id = :id"), {"id": movement.id})
    session.execute(text("DELETE FROM movements WHERE id = :id"), {"id": movement.id})
    session.commit()
    assert any("chain head" in p for p in verify_ledgers(session))


def test_an_invalid_hazard_code_cannot_reach_the_table(session, w):
    session.add(AmmoItemType(nature="x", calibre="y", type="z", hazard_division="1.1",
                             compatibility_group="S", neq_kg=1))
    with pytest.raises(Exception, match="(?i)check|constraint"):
        session.flush()


def test_savepoint_rollback_leaves_no_rows(session, w):
    """The SQLite driver recipe: a rolled-back nested transaction really undoes its rows."""
    before = session.scalar(select(func.count(MovementLine.id)))
    try:
        with session.begin_nested():
            post(session, w, MT.ISSUE, [LineIn(crate_id=w.crate_ids["ammo"], quantity=1)])
            raise RuntimeError("op failed")
    except RuntimeError:
        pass
    post(session, w, MT.ISSUE, [LineIn(crate_id=w.crate_ids["ammo"], quantity=2)])
    session.commit()
    assert session.scalar(select(func.count(MovementLine.id))) == before + 1
    assert crate(session, w).quantity == 998
    assert verify_ledgers(session) == [] and verify_audit(session) == []


def test_receipt_into_a_new_crate_sets_its_lot(session, w):
    nmy = session.get(inventory.Depot, w.depots["NE-NMY"])
    label = inventory.allocate_labels(session, nmy, 1)[0]
    new = inventory.register_crate(session, nmy, label_id=label, kind=inventory.CrateKind.AMMO_BOX,
                                   location=None, actor=inventory.Actor(w.users["commander"]),
                                   now=utcnow() - timedelta(seconds=1))
    post(session, w, MT.RECEIPT, [LineIn(crate_id=new.id, lot_id=w.lots["ball"], quantity=40)])
    session.commit()
    assert (new.lot_id, new.quantity, new.version) == (w.lots["ball"], 40, 2)


def test_verify_reads_each_movement_with_all_its_lines_as_the_orm_does(session, w):
    """verify streams plain joined rows: every movement's content (a weapons receipt of two
    lines among them) has the canonical bytes of the one the ORM gives, and a line deleted
    from a movement of several lines is named."""
    from sync.stock.ledger_verify import _chain

    streamed = {movement_id: canonical(content) for depot_id in w.depots.values()
                for movement_id, _seq, _prev, _hash, content in _chain(session, depot_id)}
    movements = list(session.scalars(select(Movement)))
    assert streamed == {m.id: canonical(movement_content(m)) for m in movements}
    receipt = next(m for m in movements if len(m.lines) == 2)
    session.execute(text("DELETE FROM movement_lines WHERE id = :id"),
                    {"id": receipt.lines[1].id})
    session.commit()
    assert any(receipt.id in p and "altered" in p for p in verify_ledgers(session))
