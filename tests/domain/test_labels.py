"""The label registry: reservations, crates taking labels, relabelling, retiring, lookups and
the print log."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from server.db import db, utcnow
from server.errors import InvalidInput, NotFound
from server.models import (
    AuditEvent,
    Change,
    Crate,
    Depot,
    Label,
    LabelPrint,
    LabelStatus,
    Location,
    User,
)
from server.models.inventory import CrateKind, CrateStatus
from server.models.ledger import MovementType as MT
from sync.access.principal import Principal
from sync.journal.trail import Actor
from sync.labels.contents import Selection
from sync.labels.ids import make_label, qr_text
from sync.labels.printing import PrintOrder, TooMany, prepare_print
from sync.labels.registry import (
    BadCheck,
    CrateNotEmpty,
    ForgedLabel,
    LabelInUse,
    LabelRetired,
    NotALabel,
    SequenceExhausted,
    relabel_crate,
    reserve_labels,
    retire_label,
)
from sync.labels.scan import look_up_label
from sync.stock import inventory
from sync.stock.ledger import LineIn, post_movement

KEY = b"domain test key"


def depot(session, w, key="NE-NMY"):
    return session.get(Depot, w.depots[key])


def actor(w, user="commander"):
    return Actor(user_id=w.users[user])


def reader(session, w, user="inspector"):
    return Principal.of_user(session.get(User, w.users[user]))


def label(session, label_id):
    session.expire_all()
    return session.get(Label, label_id)


def test_reserving_hands_out_consecutive_blanks_and_audits(session, w):
    nmy = depot(session, w)
    ids = reserve_labels(session, nmy, 5, actor=actor(w), now=utcnow())
    session.commit()
    assert ids == [make_label("NE", "NMY", seq) for seq in range(3, 8)]  # 2 crates before
    rows = session.scalars(select(Label).where(Label.label_id.in_(ids))).all()
    assert {(r.status, r.depot_id, r.issued_by, r.crate_id) for r in rows} == {
        (LabelStatus.RESERVED, nmy.id, w.users["commander"], None)}
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.details) == ("labels.reserve", {"count": 5, "first": ids[0],
                                                                "last": ids[-1]})
    for bad in (0, 5001):
        with pytest.raises(InvalidInput):
            reserve_labels(session, nmy, bad, actor=actor(w), now=utcnow())


def test_a_depot_runs_out_of_six_digit_sequences_clearly(session, w):
    nmy = depot(session, w)
    nmy.label_seq = 999_990
    session.commit()
    with pytest.raises(SequenceExhausted):
        reserve_labels(session, nmy, 10, actor=actor(w), now=utcnow())
    session.rollback()
    assert reserve_labels(session, nmy, 9, actor=actor(w), now=utcnow())[-1].startswith(
        "NE-NMY-999999")


def test_a_crate_takes_a_reserved_label_and_never_a_retired_or_used_one(session, w):
    nmy, now = depot(session, w), utcnow()
    crates = session.scalars(select(Label).where(Label.status == LabelStatus.ASSIGNED)).all()
    assert {c.label_id for c in crates} == set(w.crates.values())  # the factories' crates
    blank, spare = reserve_labels(session, nmy, 2, actor=actor(w), now=now)
    location = session.get(Location, w.locations["NE-NMY/B1/A1"])
    crate = inventory.register_crate(session, nmy, label_id=blank, kind=CrateKind.AMMO_BOX,
                                     location=location, actor=actor(w, "inspector"), now=now)
    assert (label(session, blank).status, label(session, blank).crate_id) == (
        LabelStatus.ASSIGNED, crate.id)
    retire_label(session, nmy, spare, reason="sheet spoiled", actor=actor(w), now=now)
    session.commit()
    with pytest.raises(LabelRetired):
        inventory.register_crate(session, nmy, label_id=spare, kind=CrateKind.AMMO_BOX,
                                 location=location, actor=actor(w), now=now)
    session.rollback()
    assert session.scalar(select(func.count(Crate.id)).where(Crate.label_id == spare)) == 0


def test_relabel_links_the_new_label_to_the_old_and_bumps_the_crate(session, w):
    nmy, old = depot(session, w), w.crates["ammo"]
    crate = session.get(Crate, w.crate_ids["ammo"])
    version = crate.version
    new = relabel_crate(session, nmy, old.replace("-", "").lower(), reason="label torn",
                        actor=actor(w), now=utcnow())
    session.commit()
    crate = session.get(Crate, w.crate_ids["ammo"])
    assert (crate.label_id, crate.version) == (new.label_id, version + 1)
    assert (new.status, new.replaces, new.crate_id, new.reason) == (
        LabelStatus.ASSIGNED, old, crate.id, "label torn")
    gone = label(session, old)
    assert (gone.status, gone.reason) == (LabelStatus.RETIRED, "label torn")
    change = session.scalars(select(Change).order_by(Change.seq.desc())).first()
    assert (change.entity_id, change.version) == (crate.id, version + 1)
    answer = look_up_label(session, old, key=KEY, reader=reader(session, w))
    assert (answer.status, answer.replaced_by, answer.crate.label_id) == (
        "retired", new.label_id, new.label_id)


def test_relabel_with_a_chosen_blank_of_the_depot_only(session, w):
    nmy, zdr, now = depot(session, w), depot(session, w, "NE-ZDR"), utcnow()
    blank = reserve_labels(session, nmy, 1, actor=actor(w), now=now)[0]
    zdr_blank = reserve_labels(session, zdr, 1, actor=actor(w, "admin"), now=now)[0]
    with pytest.raises(NotFound):
        relabel_crate(session, nmy, w.crates["ammo"], reason="x", new_label_id=zdr_blank,
                      actor=actor(w), now=now)
    with pytest.raises(LabelInUse):
        relabel_crate(session, nmy, w.crates["ammo"], reason="x",
                      new_label_id=w.crates["rifles"], actor=actor(w), now=now)
    with pytest.raises(InvalidInput):
        relabel_crate(session, nmy, w.crates["ammo"], reason=" ", actor=actor(w), now=now)
    with pytest.raises(NotFound):  # a crate of another depot
        relabel_crate(session, nmy, w.crates["ng_ammo"], reason="x", actor=actor(w), now=now)
    new = relabel_crate(session, nmy, w.crates["ammo"], reason="faded", new_label_id=blank,
                        actor=actor(w), now=now)
    assert new.label_id == blank and new.replaces == w.crates["ammo"]


def test_retiring_needs_an_empty_crate_and_retires_the_crate(session, w):
    nmy, ammo = depot(session, w), w.crates["ammo"]
    with pytest.raises(CrateNotEmpty):
        retire_label(session, nmy, ammo, reason="emptied", actor=actor(w), now=utcnow())
    with pytest.raises(CrateNotEmpty):  # the weapons are in it
        retire_label(session, nmy, w.crates["rifles"], reason="emptied", actor=actor(w),
                     now=utcnow())
    now = utcnow()
    post_movement(session, depot_id=nmy.id, type=MT.ISSUE, counterparty="1er bataillon",
                  lines=[LineIn(crate_id=w.crate_ids["ammo"], quantity=1000)],
                  originator_id=w.users["commander"], occurred_at=now, now=now)
    retired = retire_label(session, nmy, ammo, reason="emptied", actor=actor(w), now=now)
    session.commit()
    assert (retired.status, retired.reason, retired.retired_by) == (
        LabelStatus.RETIRED, "emptied", w.users["commander"])
    assert session.get(Crate, w.crate_ids["ammo"]).status is CrateStatus.RETIRED
    with pytest.raises(LabelRetired):
        retire_label(session, nmy, ammo, reason="again", actor=actor(w), now=now)
    answer = look_up_label(session, ammo, key=KEY, reader=reader(session, w))
    assert (answer.status, answer.replaced_by, answer.crate.id) == (
        "retired", None, w.crate_ids["ammo"])


def test_crates_without_a_registry_row_are_found_printed_and_relabelled(session, w):
    """Crates from before the registry (or written in bulk elsewhere) have no row."""
    session.execute(delete(Label))
    session.commit()
    answer = look_up_label(session, w.crates["ammo"], key=KEY, reader=reader(session, w))
    assert (answer.status, answer.label, answer.crate.id) == ("crate", None,
                                                              w.crate_ids["ammo"])
    job = prepare_print(session, depot(session, w), PrintOrder(
        Selection(crates=(w.crates["ammo"],)), layout="a4-3x8"), key=KEY, actor=actor(w),
        now=utcnow())
    assert job.label_ids == (w.crates["ammo"],)
    assert label(session, w.crates["ammo"]).print_count == 1
    new = relabel_crate(session, depot(session, w), w.crates["rifles"], reason="moved",
                        actor=actor(w), now=utcnow())
    assert new.replaces == w.crates["rifles"]
    assert label(session, w.crates["rifles"]).status is LabelStatus.RETIRED


@pytest.mark.parametrize(("value", "error"), [
    ("NE-NMY-000001-X", BadCheck), ("hello", NotALabel), ("NE-NMY/B9/Z9", NotFound),
    ("NE-NMY-000999-{check}", NotFound), ("{ng_ammo}", NotFound), ("{zdr}", NotFound),
    ("{forged}", ForgedLabel), ("{forged_ng}", NotFound), ("NE-XYZ-000001-{xyz}", NotFound),
], ids=["bad check", "not a label", "unknown place", "unknown label", "other country",
        "other depot", "forged", "forged other country", "unknown depot"])
def test_lookups_that_fail_and_how(session, w, value, error):
    zdr = reserve_labels(session, depot(session, w, "NE-ZDR"), 1, actor=actor(w, "admin"),
                         now=utcnow())[0]
    value = value.format(check=make_label("NE", "NMY", 999)[-1], ng_ammo=w.crates["ng_ammo"],
                         zdr=zdr, forged=w.crates["ammo"] + ".AAAAA",
                         forged_ng=w.crates["ng_ammo"] + ".AAAAA",
                         xyz=make_label("NE", "XYZ", 1)[-1])
    with pytest.raises(error):
        look_up_label(session, value, key=KEY, reader=reader(session, w))


def test_lookups_that_answer(session, w):
    blank = reserve_labels(session, depot(session, w), 1, actor=actor(w), now=utcnow())[0]
    me = reader(session, w)
    signed = look_up_label(session, qr_text(w.crates["rifles"], KEY), key=KEY, reader=me)
    assert (signed.status, signed.signature, signed.crate.kind) == (
        "crate", "valid", CrateKind.WEAPON_CRATE)
    typed = look_up_label(session, w.crates["rifles"].lower(), key=KEY, reader=me)
    assert (typed.status, typed.signature) == ("crate", "absent")
    unassigned = look_up_label(session, qr_text(blank, KEY), key=KEY, reader=me)
    assert (unassigned.status, unassigned.depot.code) == ("unassigned", "NMY")
    place = look_up_label(session, "NE-NMY/B1/A2", key=KEY, reader=me)
    assert (place.status, place.location.code) == ("location", "A2")
    with pytest.raises(NotFound):  # a sign of a depot out of this reader's scope
        look_up_label(session, "NE-ZDR/B1/A2", key=KEY, reader=me)


def test_prints_are_logged_and_reprints_numbered(session, w):
    nmy = depot(session, w)
    order = PrintOrder(Selection(building="B1"), layout="a4-2x7", lang="en")
    first = prepare_print(session, nmy, order, key=KEY, actor=actor(w), now=utcnow())
    assert first.label_ids == (w.crates["ammo"], w.crates["rifles"])  # by stack: A1, A2
    assert (first.reprints, [f.flag for f in first.faces]) == (0, ["", ""])
    again = prepare_print(session, nmy, PrintOrder(Selection(crates=(w.crates["rifles"],)),
                                                   layout="thermal-100x50"),
                          key=KEY, actor=actor(w, "admin"), now=utcnow())
    session.commit()
    assert (again.reprints, again.faces[0].flag) == (1, "RÉIMPRESSION 1")  # Niger: French
    prints = session.scalars(select(LabelPrint).where(
        LabelPrint.label_id == w.crates["rifles"]).order_by(LabelPrint.print_no)).all()
    assert [(p.print_no, p.layout, p.user_id) for p in prints] == [
        (1, "a4-2x7", w.users["commander"]), (2, "thermal-100x50", w.users["admin"])]
    assert label(session, w.crates["rifles"]).print_count == 2
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "labels.print")
                             .order_by(AuditEvent.id)).all()
    assert [(e.entity_id, e.details["count"], e.details["reprints"]) for e in events] == [
        (first.job_id, 2, 0), (again.job_id, 1, 1)]


def test_printing_blanks_and_reserved_ranges(session, w):
    nmy, now = depot(session, w), utcnow()
    job = prepare_print(session, nmy, PrintOrder(Selection(blank=4), layout="a4-3x8"),
                        key=KEY, actor=actor(w), now=now)
    first, *_, last = job.label_ids
    used = job.label_ids[1]
    location = session.get(Location, w.locations["NE-NMY/B2/A1"])
    inventory.register_crate(session, nmy, label_id=used, kind=CrateKind.PALLET,
                             location=location, actor=actor(w, "inspector"), now=now)
    again = prepare_print(session, nmy, PrintOrder(Selection(reserved=(first, last)),
                                                   layout="a4-3x8"),
                          key=KEY, actor=actor(w), now=now + timedelta(minutes=1))
    assert again.skipped == (used,)
    assert again.label_ids == tuple(i for i in job.label_ids if i != used)
    assert all(f.flag == "RÉIMPRESSION 1" for f in again.faces)
    with pytest.raises(InvalidInput):  # another depot's range
        prepare_print(session, nmy, PrintOrder(Selection(
            reserved=(w.crates["ng_ammo"], w.crates["ng_ammo"])), layout="a4-3x8"),
            key=KEY, actor=actor(w), now=now)


@pytest.mark.parametrize(("selection", "error"), [
    (Selection(), InvalidInput), (Selection(all=True, blank=3), InvalidInput),
    (Selection(signs=True, crates=("x",)), InvalidInput),
    (Selection(building="B9"), NotFound), (Selection(crates=("NE-NMY-000999-X",)), BadCheck),
    (Selection(crates=("{ng_ammo}",)), NotFound), (Selection(blank=30), TooMany),
    (Selection(all=True), None),
], ids=["nothing", "two choices", "signs and crates", "unknown building", "typo",
        "other country's crate", "over the limit", "fine"])
def test_print_choices_are_checked_before_anything_is_written(session, w, selection, error):
    if selection.crates:
        selection = Selection(crates=tuple(c.format(**w.crates) for c in selection.crates))
    count = session.scalar(select(func.count(LabelPrint.id)))
    order = PrintOrder(selection, layout="a4-3x8")
    if error is None:
        assert len(prepare_print(session, depot(session, w), order, key=KEY, actor=actor(w),
                                 now=utcnow(), limit=24).faces) == 2
        return
    with pytest.raises(error):
        prepare_print(session, depot(session, w), order, key=KEY, actor=actor(w),
                      now=utcnow(), limit=24)
    assert session.scalar(select(func.count(LabelPrint.id))) == count


def test_retired_crates_are_left_off_whole_sheets_and_refused_when_chosen(session, w):
    nmy, now = depot(session, w), utcnow()
    post_movement(session, depot_id=nmy.id, type=MT.ISSUE, counterparty="1er bataillon",
                  lines=[LineIn(crate_id=w.crate_ids["ammo"], quantity=1000)],
                  originator_id=w.users["commander"], occurred_at=now, now=now)
    retire_label(session, nmy, w.crates["ammo"], reason="emptied", actor=actor(w), now=now)
    job = prepare_print(session, nmy, PrintOrder(Selection(all=True), layout="a4-3x8"),
                        key=KEY, actor=actor(w), now=now)
    assert job.label_ids == (w.crates["rifles"],)
    with pytest.raises(LabelRetired):
        prepare_print(session, nmy, PrintOrder(Selection(crates=(w.crates["ammo"],)),
                                               layout="a4-3x8"),
                      key=KEY, actor=actor(w), now=now)


def test_signs_cover_the_stacks_of_a_building_or_the_depot(session, w):
    nmy = depot(session, w)
    one = prepare_print(session, nmy, PrintOrder(Selection(signs=True, building="B2"),
                                                 layout="a4-2x7"),
                        key=KEY, actor=actor(w), now=utcnow())
    assert [f.qr for f in one.faces] == ["NE-NMY/B2/A1", "NE-NMY/B2/A2"]
    every = prepare_print(session, nmy, PrintOrder(Selection(signs=True), layout="a4-2x7"),
                          key=KEY, actor=actor(w), now=utcnow())
    assert len(every.faces) == 4 and every.label_ids == ()


def test_concurrent_reservations_never_share_a_label(app, world):
    """Two workers reserving at once queue on the depot row (PostgreSQL) or on the write
    lock (SQLite); every label is handed out once."""
    results, errors = [], []

    def reserve_some():
        try:
            with app.app_context():
                for _ in range(5):
                    nmy = db.session.get(Depot, world.depots["NE-NMY"])
                    results.extend(reserve_labels(db.session, nmy, 20,
                                                  actor=Actor(world.users["commander"]),
                                                  now=utcnow()))
                    db.session.commit()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=reserve_some) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == len(set(results)) == 300
    with app.app_context():
        assert db.session.get(Depot, world.depots["NE-NMY"]).label_seq == 302
        assert db.session.scalar(select(func.count(Label.label_id)).where(
            Label.status == LabelStatus.RESERVED)) == 300
