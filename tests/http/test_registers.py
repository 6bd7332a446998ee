"""Depot registers kept on the phone, sent through the OpenRosa door: their entries are kept,
registers.csv tells F1 which registers a depot keeps, HQ lists keys out overnight and alarms
without a response."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.db import db
from server.models import RegisterEntry, Submission
from tests.collect import new_instance_id
from tests.hq_seed import login_as

KIND = {"key_register": "keys", "alarm_log": "alarm", "patrol_log": "patrol"}  # as calculated


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


def sheet(collect, form_id: str, entries: list[dict], instance_id: str | None = None):
    now = datetime.now(UTC)
    r = collect.send(collect.fill(form_id, {"start": stamp(now), "end": stamp(now),
                                            "depot": "NMY", "register": KIND[form_id],
                                            "entries": entries},
                                  instance_id=instance_id or new_instance_id()))
    assert r.status_code == 201, r.data


def keys_and_alarms(collect):
    # midday of yesterday in the depot's time: a key issued and returned an hour apart is
    # back the same day whatever the hour the test runs (an hour before the depot's midnight,
    # "now" would fall on the next day there)
    now = datetime.now(ZoneInfo("Africa/Niamey")).replace(
        hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    sheet(collect, "key_register", [
        {"key_number": "K-01", "issued_at": stamp(now - timedelta(hours=1)),
         "issued_by": "Sgt Abdou", "issued_to": "Cpl Ali", "returned_at": stamp(now),
         "received_by": "Sgt Abdou"},
        {"key_number": "K-07", "issued_at": stamp(now - timedelta(days=2)),
         "issued_by": "Sgt Abdou", "issued_to": "Cpl Moussa"}])
    sheet(collect, "alarm_log", [
        {"alarm_at": stamp(now - timedelta(hours=3)), "alarm_type": "false_alarm",
         "response": "Guard checked B2: a cat", "responded_at": stamp(now)},
        {"alarm_at": stamp(now - timedelta(hours=2)), "alarm_type": "intrusion"}])


def test_register_entries_are_kept_and_anomalies_listed(app, client, collect, world):
    keys_and_alarms(collect)
    with app.app_context():
        entries = list(db.session.scalars(select(RegisterEntry).order_by(RegisterEntry.id)))
        assert [(e.kind, e.what, e.who) for e in entries] == [
            ("keys", "K-01", "Cpl Ali"), ("keys", "K-07", "Cpl Moussa"),
            ("alarm", "false_alarm", ""), ("alarm", "intrusion", "")]
        assert entries[0].details["received_by"] == "Sgt Abdou" and entries[1].until is None
        assert {s.status.value for s in db.session.scalars(select(Submission))} == {
            "accepted"}
    login_as(client, "reviewer")
    page = client.get("/hq/registers").get_data(as_text=True)
    assert page.count('<tr class="key_out_overnight">') == 1 and "K-07" in page
    assert page.count('<tr class="alarm_unanswered">') == 1 and "K-01" not in page
    login_as(client, "ng_commander")
    assert 'id="no-anomaly"' in client.get("/hq/registers").get_data(as_text=True)


def test_registers_csv_tells_f1_which_registers_the_depot_keeps(collect, world):
    keys_and_alarms(collect)
    manifest = collect.get("/forms/security_check/manifest").get_data(as_text=True)
    assert "registers.csv" in manifest
    body = collect.get("/forms/security_check/attachments/registers.csv").get_data(
        as_text=True)
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(body))}
    assert rows["NMY"] == {"name": "NMY", "label": "NMY", "keys": "yes", "access": "no",
                           "alarm": "yes", "patrol": "no"}
    assert set(rows) == {"NMY"}  # the phone's depots only
    xml = collect.get("/forms/security_check.xml").get_data(as_text=True)
    assert ('<setvalue ref="/data/keys/key_register_kept" event="xforms-value-changed" '
            "value=\"if(instance('registers')/root/item[name= /data/depot ]/keys") in xml


def test_an_edited_sheet_replaces_its_entries_and_bad_times_are_flagged(app, collect):
    first = new_instance_id()
    sheet(collect, "patrol_log", [{"patrol_at": stamp(datetime.now(UTC)),
                                   "patrol_by": "Cpl Ali"}], first)
    edit = collect.fill("patrol_log", {"start": stamp(datetime.now(UTC)), "depot": "NMY",
                                       "register": "patrol", "entries": [
                                           {"patrol_at": "yesterday", "patrol_by": "Cpl Ali"},
                                           {"patrol_at": stamp(datetime.now(UTC)),
                                            "patrol_by": "Cpl Issa <script>"}]},
                        deprecated_id=first)
    assert collect.send(edit).status_code == 201
    with app.app_context():
        entries = list(db.session.scalars(select(RegisterEntry).order_by(RegisterEntry.id)))
        assert [e.who for e in entries] == ["Cpl Ali", "Cpl Issa <script>"]
        edited = db.session.scalar(select(Submission).where(Submission.deprecated_id == first))
        assert edited.status.value == "flagged"
        assert {"field": "entries[0]", "problem": "no time"} in edited.problems
