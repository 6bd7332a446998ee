"""The log's per-inspection facts, in SQL on both databases: which discrepancies an
inspection's counts opened or joined (a JSON list), which conflicts its ops raised."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server.db import utcnow
from server.models import (
    AppliedOp,
    Conflict,
    CountEvent,
    Crate,
    Discrepancy,
    Submission,
    User,
)
from sync.access.principal import Principal
from sync.views import inspection_log
from sync.views.inspection_detail import inspection_view
from sync.views.inspection_log import LogFilter, inspection_page, inspection_rows, log_choices
from sync.views.paging import PageOutOfRange

NIAMEY = ZoneInfo("Africa/Niamey")


def add_visit(session, world, instance_id: str) -> Submission:
    sub = Submission(instance_id=instance_id, form_id="pssm_inspection", source="json",
                     content_hash=instance_id, raw="{}", answers={},
                     depot_id=world.depots["NE-NMY"], device_id=world.devices["inspector"],
                     user_id=world.users["inspector"], received_at=utcnow())
    session.add(sub)
    session.flush()
    return sub


def add_count(session, world, sub: Submission, crate: Crate, count_id: str) -> None:
    session.add(CountEvent(id=count_id, crate_id=crate.id, depot_id=crate.depot_id,
                           device_id=world.devices["inspector"], submission_id=sub.id,
                           crate_version=crate.version, book_quantity=1000,
                           observed_quantity=990, received_at=utcnow()))


def test_facts_link_an_inspection_to_what_its_ops_opened(session, world):
    crate = session.scalar(select(Crate).where(Crate.label_id == world.crates["ammo"]))
    a, b = add_visit(session, world, "uuid:a"), add_visit(session, world, "uuid:b")
    add_count(session, world, a, crate, "a:count:0")
    add_count(session, world, b, crate, "b:count:0")
    session.add(Discrepancy(depot_id=crate.depot_id, crate_id=crate.id, kind="shortage",
                            book_quantity=1000, observed_quantity=990,
                            count_ids=["earlier", "a:count:0"]))
    device = world.devices["inspector"]
    for op_id, batch in (("uuid:a:patch:0", "submission:uuid:a"), ("loose", "push-1")):
        session.add(AppliedOp(device_id=device, op_id=op_id, payload_hash="h", entity="crate",
                              entity_id=crate.id, status="conflict", result={},
                              batch_id=batch))
        session.add(Conflict(entity_id=crate.id, depot_id=crate.depot_id, field="location",
                             server_version=2, reason="changed_since_base", op_id=op_id,
                             device_id=device))
    session.flush()
    reviewer = Principal.of_user(session.get(User, world.users["reviewer"]))

    rows = {r.instance_id: r for r in inspection_page(session, reviewer, LogFilter(),
                                                      NIAMEY, per_page=50).rows}
    assert (rows["uuid:a"].discrepancies, rows["uuid:a"].conflicts) == (1, 1)
    assert (rows["uuid:b"].discrepancies, rows["uuid:b"].conflicts) == (0, 0)
    for status in ("discrepancies", "conflicts"):
        page = inspection_page(session, reviewer, LogFilter(status=status), NIAMEY,
                               per_page=50)
        assert [r.instance_id for r in page.rows] == ["uuid:a"]

    view = inspection_view(session, reviewer, a.id, "en", now=utcnow())
    assert [d.kind for d in view.discrepancies] == ["shortage"]
    assert [c.op_id for c in view.conflicts] == ["uuid:a:patch:0"]
    assert inspection_view(session, reviewer, b.id, "en", now=utcnow()).discrepancies == []


@pytest.mark.parametrize(("sort", "descending"), [("received", True), ("depot", False),
                                                  ("form", True)],
                         ids=["newest first", "by depot, ties", "by form, ties"])
def test_pages_are_the_full_log_cut_in_order(session, world, sort, descending):
    """A page is its ids chosen first, then their rows: pages one after another give the
    whole log, in order, each row once (ties included)."""
    same_time = utcnow()
    for n in range(7):
        add_visit(session, world, f"uuid:page-{n}").received_at = same_time - timedelta(
            minutes=n % 3)
    session.flush()
    reviewer = Principal.of_user(session.get(User, world.users["reviewer"]))
    flt = LogFilter(sort=sort, descending=descending)
    whole = [r.id for r in inspection_rows(session, reviewer, flt, NIAMEY)]
    paged = [r.id for page in (1, 2, 3)
             for r in inspection_page(session, reviewer, flt, NIAMEY, per_page=3,
                                      page=page).rows]
    assert (len(whole), paged) == (7, whole)


def test_a_long_log_is_counted_up_to_a_cap_and_paged_on_to_its_last_row(session, world,
                                                                        monkeypatch):
    """Past COUNT_CAP the total is a lower bound (the page says "more than"); each page
    counts as far as itself, so Next still walks to the last row, and past it is an error."""
    monkeypatch.setattr(inspection_log, "COUNT_CAP", 4)
    now = utcnow()
    for n in range(11):
        add_visit(session, world, f"uuid:cap-{n}").received_at = now - timedelta(minutes=n)
    session.flush()
    reviewer = Principal.of_user(session.get(User, world.users["reviewer"]))
    whole = [r.id for r in inspection_rows(session, reviewer, LogFilter(), NIAMEY)]
    first = inspection_page(session, reviewer, LogFilter(), NIAMEY, per_page=2)
    assert (first.total, first.capped, first.pages) == (4, True, 2)
    walked, page = [], None
    for number in range(1, 20):
        page = inspection_page(session, reviewer, LogFilter(), NIAMEY, per_page=2,
                               page=number)
        walked += [r.id for r in page.rows]
        if not page.capped and number == page.pages:
            break
    assert (len(whole), walked) == (11, whole)
    assert (page.page, page.total, page.capped) == (6, 11, False)  # exact once reached
    with pytest.raises(PageOutOfRange):
        inspection_page(session, reviewer, LogFilter(), NIAMEY, per_page=2, page=7)
    short = inspection_page(session, reviewer, LogFilter(depot="ZDR"), NIAMEY, per_page=2)
    assert (short.total, short.capped) == (0, False)


def add_submission(session, world, instance_id: str, user: str, depot: str | None,
                   form_id: str) -> None:
    session.add(Submission(instance_id=instance_id, form_id=form_id, source="json",
                           content_hash=instance_id, raw="{}", answers={},
                           depot_id=world.depots[depot] if depot else None,
                           user_id=world.users[user], received_at=utcnow()))
    session.flush()


def test_the_filters_offer_everyone_and_every_form_seen_in_scope_at_once(session, world):
    """The choices are read from the indexes, a step per value: each newly seen inspector
    and form is offered at once, those that named no depot too, and nothing out of scope."""
    def choices(username):
        got = log_choices(session, Principal.of_user(
            session.get(User, world.users[username])))
        return [name for _id, name in got.inspectors], got.forms

    assert choices("reviewer") == ([], [])
    add_visit(session, world, "uuid:seen-1")
    assert choices("reviewer") == (["inspector"], ["pssm_inspection"])
    add_submission(session, world, "uuid:seen-2", "zdr_inspector", "NE-ZDR", "security_check")
    add_submission(session, world, "uuid:seen-3", "commander", None, "crate_count")
    add_submission(session, world, "uuid:seen-4", "ng_inspector", "NG-KDN", "key_register")
    add_submission(session, world, "uuid:seen-5", "inspector", "NE-NMY", "a" * 64)
    assert choices("reviewer") == (["commander", "inspector", "zdr_inspector"],
                                   ["a" * 64, "crate_count", "pssm_inspection",
                                    "security_check"])
    assert choices("commander") == (["commander", "inspector"],  # NMY's, and their own
                                    ["a" * 64, "crate_count", "pssm_inspection"])
    assert choices("zdr_inspector") == (["zdr_inspector"], ["security_check"])
    assert choices("ng_commander") == (["ng_inspector"], ["key_register"])
