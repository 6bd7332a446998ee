"""ODK entity blocks and count lines through the engine: registrations become crate creates,
updates become patches with the same merge, conflict and held-order rules as JSON ops, and
counts become count events that open discrepancies."""

import uuid

from sqlalchemy import func, select

from server.db import db
from server.models import AppliedOp, Change, Conflict, CountEvent, Crate, Depot, Discrepancy
from server.models import Submission as Sub
from tests.collect import new_instance_id
from tests.http.sync_helpers import Phone

HEAD = {"start": "2026-11-25T10:00:00.000+01:00", "end": "2026-11-25T10:30:00.000+01:00",
        "depot": "NMY"}


def crate(app, crate_id):
    with app.app_context():
        return db.session.get(Crate, crate_id)


def submission(app, iid):
    with app.app_context():
        return db.session.scalar(select(Sub).where(Sub.instance_id == iid))


def printed(app, label_id):
    """What the label's QR code holds: the ID signed with this server's label key."""
    from server.wiring import label_key
    from sync.labels.ids import qr_text

    return qr_text(label_id, label_key(app.config))


def count_line(world, app, name="ammo", **over):
    """A count line as Collect fills it after finding the crate in crates.csv."""
    row = crate(app, world.crate_ids[name])
    line = {"label_scan": printed(app, row.label_id), "label": row.label_id,
            "label_key": row.label_id.replace("-", ""), "crate": row.id,
            "crate_label": row.label_id, "crate_version": str(row.version),
            "crate_kind": row.kind.value, "location_was": "B1/A1", "seal_was": "",
            "lot_number": "BG-98-117", "quantity": "1000", "condition": "SERVICEABLE",
            "seal_intact": "yes", "moved": "no", "resealed": "no"}
    line.update(over)
    return line


def moved_to(world, app, where, *, base_version=None, trunk="", branch="", name="ammo",
             was="B1/A1", **over):
    row = crate(app, world.crate_ids[name])
    line = count_line(world, app, name, moved="yes", new_location=where, location_was=was,
                      **over)
    line["__entity"] = {"update": "true", "id": row.id,
                        "baseVersion": str(base_version or row.version),
                        "trunkVersion": trunk, "branchId": branch}
    return line


def test_a_count_becomes_a_count_event_and_a_shortage_opens_a_discrepancy(collect, world, app):
    iid = new_instance_id()
    r = collect.send(collect.fill("crate_count", {**HEAD, "lines": [
        count_line(world, app, quantity="940", seal_intact="no", seal_number="S-77",
                   count_photo="crate1.jpg")]}, instance_id=iid))
    assert r.status_code == 201
    sub_id = submission(app, iid).id
    with app.app_context():
        event = db.session.scalar(select(CountEvent))
        assert (event.observed_quantity, event.observed_lot, event.seal_intact, event.blind,
                event.submission_id) == (940, "BG-98-117", False, False, sub_id)
        kinds = set(db.session.scalars(select(Discrepancy.kind)))
        assert kinds == {"shortage", "security_breach"}
    row = crate(app, world.crate_ids["ammo"])
    assert (row.quantity, row.version) == (1000, 1 + 1)  # counts never change the book


def test_a_blind_count_says_so_and_a_weapon_crate_lists_its_serials(collect, world, app):
    rifles = count_line(world, app, "rifles", quantity=None, lot_number=None,
                        location_was="B1/A2", blind="yes")  # Collect computes it: 'yes'
    rifles["serials_seen"] = [{"serial_scan": "AK100001", "serial": "AK100001"},
                              {"serial_typed": "AK999999", "serial": "AK999999"}]
    r = collect.send(collect.fill("crate_count_blind", {**HEAD, "lines": [rifles]}))
    assert r.status_code == 201
    with app.app_context():
        event = db.session.scalar(select(CountEvent))
        assert (event.blind, event.observed_serials) == (True, ["AK100001", "AK999999"])
        kinds = set(db.session.scalars(select(Discrepancy.kind)))
        assert {"recorded_serial_missing", "unknown_serial_found"} <= kinds


def test_a_registration_creates_the_crate_on_its_fresh_label(collect, world, app):
    from sync.stock.inventory import allocate_labels

    with app.app_context():
        depot = db.session.scalar(select(Depot).where(Depot.code == "NMY"))
        label = allocate_labels(db.session, depot, 1)[0]
        db.session.commit()
    entity_id = str(uuid.uuid4())
    iid = new_instance_id()
    r = collect.send(collect.fill("crate_registration", {**HEAD, "new_crates": [{
        "label_scan": printed(app, label), "label": label, "label_key": label.replace("-", ""),
        "key_saved": label.replace("-", ""), "kind": "ammo_box", "location": "B2/A1",
        "seal_number": "S-1001", "condition": "SERVICEABLE", "crate_photo": "new.jpg",
        "__entity": {"id": f"uuid:{entity_id}", "label": label}}]}, instance_id=iid))
    assert r.status_code == 201
    assert submission(app, iid).status.value == "accepted", submission(app, iid).problems
    row = crate(app, entity_id)
    assert (row.label_id, row.kind.value, row.status.value, row.seal_number,
            row.location.code, row.condition.value, row.version) == (
        label, "ammo_box", "registered", "S-1001", "A1", "SERVICEABLE", 1)
    listed = collect.get("/forms/crate_count/attachments/crates.csv").data.decode()
    assert f"{entity_id},{label},1," in listed
    again = collect.send(collect.fill("crate_registration", {**HEAD, "new_crates": [{
        "label": label, "kind": "pallet", "location": "B2/A2", "condition": "UNKNOWN",
        "__entity": {"id": str(uuid.uuid4()), "label": label}}]}))
    assert again.status_code == 201  # a taken label is flagged, never refused
    (taken,) = [s for s in _all(app) if s.form_id == "crate_registration"
                and s.status.value == "flagged"]
    assert "labels.taken" in {p.get("code") for p in taken.problems}


def _all(app):
    with app.app_context():
        return list(db.session.scalars(select(Sub)))


def test_an_update_with_the_current_base_version_is_applied(collect, world, app):
    before = crate(app, world.crate_ids["ammo"]).version
    iid = new_instance_id()
    collect.send(collect.fill("crate_count", {**HEAD, "lines": [moved_to(world, app, "B2/A2")]},
                              instance_id=iid))
    row = crate(app, world.crate_ids["ammo"])
    assert (row.location.building.code, row.location.code, row.version) == (
        "B2", "A2", before + 1)
    assert submission(app, iid).status.value == "accepted"


def test_an_update_on_an_old_base_version_becomes_a_conflict(collect, world, app):
    old = crate(app, world.crate_ids["ammo"]).version
    commander = Phone(collect.client, world, "commander")
    commander.push([commander.op(world.crate_ids["ammo"], "patch", {"location": "B1/A2"},
                                 base={"location": "B1/A1"}, base_version=old)])
    collect.send(collect.fill("crate_count", {**HEAD, "lines": [
        moved_to(world, app, "B2/A2", base_version=old)]}))
    row = crate(app, world.crate_ids["ammo"])
    assert (row.location.code, row.version) == ("A2", old + 1)  # the master kept B1/A2
    assert row.location.building.code == "B1"
    with app.app_context():
        c = db.session.scalar(select(Conflict))
        assert (c.field, c.base_value, c.server_value, c.phone_value, c.base_version) == (
            "location", "B1/A1", "B1/A2", "B2/A2", old)


def test_offline_branch_updates_apply_in_branch_order_whatever_order_they_arrive(
        collect, world, app):
    trunk = crate(app, world.crate_ids["ammo"]).version
    branch = str(uuid.uuid4())
    first = collect.fill("crate_count", {**HEAD, "lines": [moved_to(
        world, app, "B2/A1", base_version=trunk, trunk=str(trunk), branch=branch)]})
    second = collect.fill("crate_count", {**HEAD, "lines": [moved_to(
        world, app, "B2/A2", base_version=trunk + 1, trunk=str(trunk), branch=branch,
        was="B2/A1")]})
    assert collect.send(second).status_code == 201
    row = crate(app, world.crate_ids["ammo"])
    assert (row.location.building.code, row.version) == ("B1", trunk)  # held
    assert collect.send(first).status_code == 201
    row = crate(app, world.crate_ids["ammo"])
    assert (row.location.building.code, row.location.code, row.version) == (
        "B2", "A2", trunk + 2)
    with app.app_context():
        statuses = dict(db.session.execute(select(AppliedOp.op_id, AppliedOp.status)
                                           .where(AppliedOp.entity == "crate",
                                                  AppliedOp.seq.is_not(None))).all())
        assert sorted(statuses.values()) == ["applied", "merged"]
        assert db.session.scalar(select(func.count(Conflict.id))) == 0


def test_a_retried_submission_applies_nothing_twice(collect, world, app):
    xml = collect.fill("crate_count", {**HEAD, "lines": [
        moved_to(world, app, "B2/A2", quantity="990")]})
    collect.send(xml)
    with app.app_context():
        changes = db.session.scalar(select(func.count(Change.seq)))
    for _ in range(3):
        assert collect.send(xml).status_code == 201
    with app.app_context():
        assert db.session.scalar(select(func.count(Change.seq))) == changes
        assert db.session.scalar(select(func.count(CountEvent.id))) == 1
        assert db.session.scalar(select(func.count(Discrepancy.id))) == 1
        assert db.session.scalar(select(func.count(AppliedOp.id))) == 2


def test_entity_blocks_for_other_lists_or_bad_ids_are_flagged(collect, world, app):
    line = count_line(world, app, moved="yes", new_location="B2/A2")
    line["__entity"] = {"update": "1", "id": "not-a-uuid", "baseVersion": "1"}
    iid = new_instance_id()
    collect.send(collect.fill("crate_count", {**HEAD, "lines": [line]}, instance_id=iid))
    sub = submission(app, iid)
    assert sub.status.value == "flagged"
    assert sub.problems[0]["problem"] == "entity id is not a UUID"
    assert crate(app, world.crate_ids["ammo"]).location.code == "A1"


def test_a_scanned_label_with_a_forged_signature_flags_the_submission(collect, world, app):
    good, iid = count_line(world, app), new_instance_id()
    forged = {**good, "label_scan": good["label"] + ".ZZZZZ"}
    typed = {**count_line(world, app, "rifles", quantity=None, lot_number=None),
             "label_scan": "", "label_typed": world.crates["rifles"]}
    collect.send(collect.fill("crate_count", {**HEAD, "lines": [good, forged, typed]},
                              instance_id=iid))
    sub = submission(app, iid)
    assert sub.status.value == "flagged"
    assert [(p["field"], p["label_id"]) for p in sub.problems
            if p["problem"].startswith("forged")] == [("label_scan", good["label"])]
    with app.app_context():  # a count is an observation: kept for review all the same
        assert db.session.scalar(select(func.count(CountEvent.id))) == 3


def test_a_count_whose_update_arrives_before_the_registration_is_held_with_it(
        collect, world, app):
    """Registered offline, then counted and moved offline: the count form (whose update waits
    for the create) arrives first; its count line waits with the update, and both are
    written once the registration arrives."""
    from sync.stock.inventory import allocate_labels

    with app.app_context():
        depot = db.session.scalar(select(Depot).where(Depot.code == "NMY"))
        label = allocate_labels(db.session, depot, 1)[0]
        db.session.commit()
    entity_id, branch = str(uuid.uuid4()), str(uuid.uuid4())
    key = label.replace("-", "")
    count = collect.fill("crate_count", {**HEAD, "lines": [{
        "label_scan": printed(app, label), "label": label, "label_key": key,
        "crate": entity_id, "crate_label": label, "crate_version": "1",
        "crate_kind": "ammo_box", "location_was": "B2/A1", "seal_was": "S-1001",
        "lot_number": "BG-98-117", "quantity": "480", "condition": "SERVICEABLE",
        "seal_intact": "yes", "moved": "yes", "new_location": "B2/A2", "resealed": "no",
        "__entity": {"update": "1", "id": entity_id, "baseVersion": "1", "trunkVersion": "",
                     "branchId": branch}}]}, instance_id=(count_iid := new_instance_id()))
    assert collect.send(count).status_code == 201
    assert crate(app, entity_id) is None
    sub = submission(app, count_iid)
    assert "unknown crate" not in str(sub.problems), sub.problems
    registration = collect.fill("crate_registration", {**HEAD, "new_crates": [{
        "label_scan": printed(app, label), "label": label, "label_key": key,
        "key_saved": key, "kind": "ammo_box", "location": "B2/A1", "seal_number": "S-1001",
        "condition": "SERVICEABLE", "crate_photo": "new.jpg",
        "__entity": {"create": "1", "id": entity_id, "baseVersion": "", "branchId": branch,
                     "label": label}}]})
    assert collect.send(registration).status_code == 201
    row = crate(app, entity_id)
    assert (row.location.code, row.version) == ("A2", 2)
    with app.app_context():
        (event,) = db.session.scalars(select(CountEvent).where(
            CountEvent.crate_id == entity_id))
        assert event.observed_quantity == 480
    assert collect.send(count).status_code == 201  # a retry writes nothing twice
    with app.app_context():
        assert db.session.scalar(select(func.count(CountEvent.id)).where(
            CountEvent.crate_id == entity_id)) == 1


def test_an_unknown_location_is_flagged_and_the_rest_of_the_update_applies(
        collect, world, app):
    before = crate(app, world.crate_ids["ammo"])
    line = moved_to(world, app, "B9/Z9", resealed="yes", new_seal="S-2002")
    iid = new_instance_id()
    assert collect.send(collect.fill("crate_count", {**HEAD, "lines": [line]},
                                     instance_id=iid)).status_code == 201
    row = crate(app, world.crate_ids["ammo"])
    assert (row.seal_number, row.location_id, row.version) == (
        "S-2002", before.location_id, before.version + 1)
    sub = submission(app, iid)
    assert sub.status.value == "flagged"
    assert {"field": "entity[0]", "problem": "unknown location", "value": "B9/Z9"} in \
        sub.problems
    with app.app_context():
        assert db.session.scalar(select(func.count(CountEvent.id))) == 1  # still counted


def test_a_registration_with_an_unknown_location_creates_the_crate_flagged(
        collect, world, app):
    from sync.stock.inventory import allocate_labels

    with app.app_context():
        depot = db.session.scalar(select(Depot).where(Depot.code == "NMY"))
        label = allocate_labels(db.session, depot, 1)[0]
        db.session.commit()
    entity_id, iid = str(uuid.uuid4()), new_instance_id()
    r = collect.send(collect.fill("crate_registration", {**HEAD, "new_crates": [{
        "label_scan": printed(app, label), "label": label, "label_key": label.replace("-", ""),
        "key_saved": label.replace("-", ""), "kind": "ammo_box", "location": "B7/Q1",
        "seal_number": "S-1001", "condition": "SERVICEABLE", "crate_photo": "new.jpg",
        "__entity": {"id": entity_id, "label": label}}]}, instance_id=iid))
    assert r.status_code == 201
    row = crate(app, entity_id)
    assert (row.label_id, row.seal_number, row.location_id) == (label, "S-1001", None)
    sub = submission(app, iid)
    assert sub.status.value == "flagged"
    assert [p["problem"] for p in sub.problems] == ["unknown location"]


def test_the_one_crate_forms_for_older_collect_count_move_and_register(collect, world, app):
    from sync.stock.inventory import allocate_labels

    before = crate(app, world.crate_ids["ammo"]).version
    line = moved_to(world, app, "B2/A2", quantity="990")
    entity = line.pop("__entity")
    iid = new_instance_id()
    assert collect.send(collect.fill("crate_count_one", {**HEAD, **line}, entity=entity,
                                     instance_id=iid)).status_code == 201
    assert submission(app, iid).status.value == "accepted", submission(app, iid).problems
    row = crate(app, world.crate_ids["ammo"])
    assert (row.location.building.code, row.location.code, row.version) == (
        "B2", "A2", before + 1)
    with app.app_context():
        (event,) = db.session.scalars(select(CountEvent))
        assert (event.crate_id, event.observed_quantity) == (row.id, 990)
    with app.app_context():
        depot = db.session.scalar(select(Depot).where(Depot.code == "NMY"))
        label = allocate_labels(db.session, depot, 1)[0]
        db.session.commit()
    entity_id = str(uuid.uuid4())
    r = collect.send(collect.fill("crate_registration_one", {
        **HEAD, "label_scan": printed(app, label), "label": label,
        "label_key": label.replace("-", ""), "key_saved": label.replace("-", ""),
        "kind": "ammo_box", "location": "B2/A1", "seal_number": "S-1001",
        "condition": "SERVICEABLE", "crate_photo": "new.jpg"},
        entity={"id": f"uuid:{entity_id}", "label": label}))
    assert r.status_code == 201
    new = crate(app, entity_id)
    assert (new.label_id, new.location.code, new.seal_number) == (label, "A1", "S-1001")
