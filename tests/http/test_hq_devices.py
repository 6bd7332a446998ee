"""Devices: "last seen" is noted on every authenticated device request (API and OpenRosa
doors), written at most once per window; the devices page shows each phone's last sync and
lists those not seen for N days."""

from __future__ import annotations

import re
from datetime import timedelta

from server.db import db, utcnow
from server.models import Device, User
from server.web import session_key
from tests.http.sync_helpers import Phone, bearer


def seen(app, world, user="inspector"):
    with app.app_context():
        return db.session.get(Device, world.devices[user]).last_seen_at


def set_seen(app, world, user, when):
    with app.app_context():
        db.session.get(Device, world.devices[user]).last_seen_at = when
        db.session.commit()


def as_user(app, world, client, username):
    with app.app_context():
        user = db.session.get(User, world.users[username])
        uid, key = user.id, session_key(user)
    with client.session_transaction() as session:
        session["uid"], session["key"] = uid, key
    return client


def test_a_read_only_request_notes_last_seen_once_per_window(app, world, client):
    assert seen(app, world) is None
    before = utcnow()
    assert client.get("/api/v1/depots", headers=bearer(world)).status_code == 200
    first = seen(app, world)
    assert first is not None and first >= before - timedelta(seconds=1)
    for _ in range(3):  # within the window: nothing written again
        client.get("/api/v1/depots", headers=bearer(world))
    assert seen(app, world) == first
    set_seen(app, world, "inspector", utcnow() - timedelta(minutes=10))
    client.get("/api/v1/sync/config", headers=bearer(world))
    assert seen(app, world) > first


def test_unknown_and_revoked_tokens_note_nothing(app, world, client):
    assert client.get("/api/v1/depots", headers={
        "Authorization": "Bearer not-a-token"}).status_code == 401
    with app.app_context():
        db.session.get(Device, world.devices["commander"]).revoked_at = utcnow()
        db.session.commit()
    assert client.get("/api/v1/depots", headers=bearer(world, "commander")).status_code == 401
    assert seen(app, world, "commander") is None


def test_the_openrosa_door_notes_last_seen(app, world, client, published):
    r = client.get(f"/key/{world.tokens['inspector']}/formList")
    assert r.status_code == 200
    assert seen(app, world) is not None


def test_the_devices_page_shows_the_last_sync_and_silent_phones(app, world, client):
    from server.models import Crate

    with app.app_context():
        ammo = db.session.get(Crate, world.crate_ids["ammo"])
        crate_id, version = ammo.id, ammo.version
    phone = Phone(client, world)
    out = phone.push([phone.op(crate_id, "patch", {"notes": "checked"}, base={"notes": ""},
                               base_version=version),
                      phone.op("00000000-0000-0000-0000-000000000000", "patch",
                               {"notes": "x"}, base_version=1)])
    statuses = sorted(r["status"] for r in out["results"])
    set_seen(app, world, "admin", utcnow() - timedelta(days=10))
    html = as_user(app, world, app.test_client(), "admin").get("/hq/devices").get_data(
        as_text=True)
    silent = html[html.index('id="silent-devices"'):html.index('id="devices"')]
    assert "1 phone not seen for 7 days or more" in silent
    rows = re.findall(r"<tr>(.*?)</tr>", html[html.index('id="devices"'):], re.S)
    inspector_row = next(row for row in rows if world.devices["inspector"] in row)
    last_sync = re.search(r'class="last-sync">(.*?)</td>', inspector_row, re.S).group(1)
    assert statuses == ["applied", "rejected"]
    assert "applied 1 · rejected 1" in last_sync
    admin_row = next(row for row in rows if world.devices["admin"] in row)
    assert 'class="last-sync">—</td>' in admin_row
