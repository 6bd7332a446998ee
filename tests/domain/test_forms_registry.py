"""Publishing forms, and ODK entity blocks turned into ops of the engine."""

import dataclasses
from datetime import UTC, datetime

import pytest

from forms.instance import EntityBlock
from forms.registry import (
    VersionTaken,
    current_versions,
    get_version,
    publish,
    publish_shipped,
    spec_of,
)
from forms.sources import SHIPPED
from forms.sources.common import Source, row
from forms.xlsform import FormInvalid, build_xlsx
from server.db import AppendOnly
from sync.intake.entities import STEPS, derived_op_id, entity_ops
from sync.journal.trail import SYSTEM
from tests.factories import build_world

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
VISIT = SHIPPED[0]


def test_publish_is_idempotent_and_a_taken_version_is_refused(session):
    first, created = publish(session, build_xlsx(VISIT), actor=SYSTEM, now=NOW)
    again, created_again = publish(session, build_xlsx(VISIT), actor=SYSTEM, now=NOW)
    assert (created, created_again, again.id) == (True, False, first.id)
    changed = dataclasses.replace(VISIT, title="Another title")
    with pytest.raises(VersionTaken):
        publish(session, build_xlsx(changed), actor=SYSTEM, now=NOW)
    newer, _ = publish(session, build_xlsx(dataclasses.replace(changed, version="2026120201")),
                       actor=SYSTEM, now=NOW)
    assert [r.version for r in current_versions(session)] == ["2026120201"]
    assert get_version(session, "visit_header", VISIT.version).id == first.id
    assert spec_of(newer).title == "Another title"


def test_a_version_is_asked_of_the_database_once_a_session(session):
    """get_version remembers what it found, never what it did not: a version published after
    a miss is found."""
    from sqlalchemy import event

    assert get_version(session, "visit_header", VISIT.version) is None
    first, _ = publish(session, build_xlsx(VISIT), actor=SYSTEM, now=NOW)
    assert get_version(session, "visit_header", VISIT.version).id == first.id
    statements = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(session.get_bind(), "before_cursor_execute", note)
    try:
        again = get_version(session, "visit_header", VISIT.version)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", note)
    assert (again.id, statements) == (first.id, [])


def test_a_published_version_never_changes(session):
    row_, _ = publish(session, build_xlsx(VISIT), actor=SYSTEM, now=NOW)
    row_.xml = "<changed/>"
    with pytest.raises(AppendOnly):
        session.flush()


@pytest.mark.parametrize(("source", "problem"), [
    (Source("img", "I", "1", survey=(row("select_one_from_file other.csv", "x", "X", "X"),)),
     "files"),
    (Source("ppl", "P", "1", survey=(row("text", "n", "N", "N"),),
            entities=({"dataset": "people", "label": "${n}"},)), "datasets"),
    (Source("nov", "N", "", survey=(row("text", "n", "N", "N"),)), None),
], ids=["media the server does not make", "an unknown entity list", "no version"])
def test_forms_the_server_cannot_serve_are_refused(session, source, problem):
    with pytest.raises(FormInvalid) as exc:
        publish(session, build_xlsx(source), actor=SYSTEM, now=NOW)
    if problem:
        assert problem in exc.value.details


def test_shipped_forms_are_published_once(session):
    assert len(publish_shipped(session, actor=SYSTEM, now=NOW)) == len(SHIPPED)
    assert publish_shipped(session, actor=SYSTEM, now=NOW) == []


def block(**over) -> EntityBlock:
    values = dict(dataset="crates", id="0b7c3f0e-1111-4222-8333-944445555666", create=False,
                  update=True, base_version="3", trunk_version="", branch_id="", label=None,
                  container="lines", values={"new_location": "B2/A1", "location_was": "B1/A1"})
    values.update(over)
    return EntityBlock(**values)


@pytest.fixture
def count_spec(session):
    count = next(s for s in SHIPPED if s.form_id == "crate_count")
    row_, _ = publish(session, build_xlsx(count), actor=SYSTEM, now=NOW)
    return spec_of(row_)


@pytest.mark.parametrize(("over", "expected"), [
    ({}, (3, None, None)),
    ({"trunk_version": "3", "branch_id": "b"}, (3, 0, None)),
    ({"base_version": "4", "trunk_version": "3", "branch_id": "b"}, (None, 1, 0)),
    ({"base_version": "6", "trunk_version": "3", "branch_id": "b"}, (None, 3, 2)),
    ({"base_version": "1", "trunk_version": "", "branch_id": "b"}, (None, 1, 0)),
    ({"base_version": "2", "trunk_version": "5", "branch_id": "b"}, (None, None, None)),
    ({"base_version": "x"}, (None, None, None)),
], ids=["online", "branch start", "second step", "fourth step", "after an offline create",
        "base before trunk", "not a number"])
def test_branch_steps_become_held_order_seqs(session, count_spec, over, expected):
    world = build_world(session)
    device = world.devices["inspector"]
    (op,) = entity_ops(session, device, "uuid:i1", [block(**over)], count_spec).ops
    base_version, step, prev_step = expected
    assert op.base_version == base_version
    if step is None:
        assert (op.seq, op.prev_seq) == (None, None)
        return
    number = -op.seq // STEPS
    assert op.seq == -(number * STEPS + step)
    assert op.prev_seq == (None if prev_step is None else -(number * STEPS + prev_step))
    assert op.seq < 0 and op.base == {"location": "B1/A1"}
    assert op.set == {"location": "B2/A1"} and op.op_id == "uuid:i1:entity:0"


def test_a_branch_keeps_its_number_and_each_device_numbers_its_own(session, count_spec):
    world = build_world(session)
    a, b = world.devices["inspector"], world.devices["commander"]
    one = block(base_version="4", trunk_version="3", branch_id="b1")
    two = block(base_version="5", trunk_version="3", branch_id="b1")
    other = block(base_version="4", trunk_version="3", branch_id="b2")
    (op1,) = entity_ops(session, a, "uuid:1", [one], count_spec).ops
    (op2,) = entity_ops(session, a, "uuid:2", [two], count_spec).ops
    (op3,) = entity_ops(session, a, "uuid:3", [other], count_spec).ops
    (op4,) = entity_ops(session, b, "uuid:4", [other], count_spec).ops
    assert op2.prev_seq == op1.seq and op1.seq // STEPS == op2.seq // STEPS
    assert op3.seq // STEPS != op1.seq // STEPS
    assert op4.seq == op1.seq  # numbers are per device: no clash across devices


def test_creates_updates_and_what_is_flagged(session, count_spec):
    world = build_world(session)
    device = world.devices["inspector"]
    blocks = [block(create=True, update=False, label="NE-NMY-000001-X", values={}),
              block(dataset="people"), block(id="nope"), block(update=False),
              block(values={"location_was": "B1/A1"})]
    result = entity_ops(session, device, "uuid:i2", blocks, count_spec)
    (create,) = result.ops
    assert (create.action, create.set, create.seq % STEPS) == (
        "create", {"label_id": "NE-NMY-000001-X"}, 0)
    assert [p["field"] for p in result.problems] == ["entity[1]", "entity[2]"]


def test_long_instance_ids_still_give_distinct_op_ids():
    long_id = "uuid:" + "x" * 70
    ids = {derived_op_id(long_id, f"entity:{n}") for n in range(3)}
    assert len(ids) == 3 and all(len(i) <= 64 for i in ids)
