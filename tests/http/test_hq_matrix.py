"""Every HQ page and action, for every role: anonymous, an inspector and a commander of
depot NMY, a reviewer and an administrator of Niger, an inspector of the other Niger depot
(ZDR), and a commander in Nigeria. Out of scope answers 404 (its existence does not leak),
in scope but not for this role 403. One database for the module; each role acts on objects
of its own, so the order of the cases does not matter."""

from __future__ import annotations

import pytest

from server.db import db
from server.models import User
from server.web import session_key
from tests.hq_seed import csrf_from, seed_per_role, seeded_app

ROLES = ("anonymous", "inspector", "commander", "reviewer", "admin", "zdr_inspector",
         "ng_commander")
ACTING = ROLES[1:]
DENY = 302  # anonymous: sent to the login page


@pytest.fixture(scope="module")
def hq(migrated, tmp_path_factory):
    app, world, seeded = seeded_app(migrated, tmp_path_factory.mktemp("matrix"))
    per_role = seed_per_role(app, world, ACTING)
    clients = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            with app.app_context():
                user = db.session.get(User, world.users[role])
                uid, key = user.id, session_key(user)
            with client.session_transaction() as session:
                session["uid"], session["key"] = uid, key
            client.csrf = csrf_from(client.get("/hq/devices").get_data(as_text=True))
        else:
            client.csrf = csrf_from(client.get("/hq/login").get_data(as_text=True))
        clients[role] = client
    yield {"app": app, "world": world, "s": seeded, "per_role": per_role, "clients": clients}
    with app.app_context():
        db.engine.dispose()


def expect(*codes: int) -> dict[str, int]:
    return dict(zip(ROLES, codes, strict=True))


# (id, path template, expected for ROLES in order)
#      anon inspector commander reviewer admin zdr_inspector ng_commander
GETS = [
    ("home", "/hq/", expect(302, 302, 302, 302, 302, 302, 302)),
    ("login page", "/hq/login", expect(200, 302, 302, 302, 302, 302, 302)),
    ("inspection log", "/hq/inspections", expect(DENY, 200, 200, 200, 200, 200, 200)),
    ("inspection NMY", "/hq/inspections/{s.submission_id}",
     expect(DENY, 200, 200, 200, 200, 404, 404)),
    ("inspection KDN", "/hq/inspections/{s.ng_submission_id}",
     expect(DENY, 404, 404, 404, 404, 404, 200)),
    ("unknown inspection", "/hq/inspections/nope", expect(DENY, 404, 404, 404, 404, 404, 404)),
    ("export log csv", "/hq/exports/inspections.csv",
     expect(DENY, 403, 403, 200, 200, 403, 403)),
    ("export log xlsx", "/hq/exports/inspections.xlsx",
     expect(DENY, 403, 403, 200, 200, 403, 403)),
    ("depots", "/hq/depots", expect(DENY, 403, 200, 200, 200, 403, 200)),
    ("dashboard NMY", "/hq/depots/NMY", expect(DENY, 403, 200, 200, 200, 404, 404)),
    ("dashboard ZDR", "/hq/depots/ZDR", expect(DENY, 404, 404, 200, 200, 403, 404)),
    ("dashboard KDN", "/hq/depots/KDN", expect(DENY, 404, 404, 404, 404, 404, 200)),
    ("conflict queue", "/hq/conflicts", expect(DENY, 403, 200, 200, 200, 403, 200)),
    ("conflict NMY", "/hq/conflicts/{s.conflict_ids[0]}",
     expect(DENY, 403, 200, 200, 200, 404, 404)),
    ("conflict KDN", "/hq/conflicts/{s.ng_conflict_id}",
     expect(DENY, 404, 404, 404, 404, 404, 200)),
    ("discrepancy queue", "/hq/discrepancies", expect(DENY, 403, 200, 200, 200, 403, 200)),
    ("discrepancy NMY", "/hq/discrepancies/{s.discrepancy_id}",
     expect(DENY, 403, 200, 200, 200, 404, 404)),
    ("discrepancy KDN", "/hq/discrepancies/{s.ng_discrepancy_id}",
     expect(DENY, 404, 404, 404, 404, 404, 200)),
    ("export discrepancies csv", "/hq/exports/discrepancies.csv",
     expect(DENY, 403, 403, 200, 200, 403, 403)),
    ("export discrepancies xlsx", "/hq/exports/discrepancies.xlsx",
     expect(DENY, 403, 403, 200, 200, 403, 403)),
    ("crate NMY", "/hq/crates/{w.crates[ammo]}", expect(DENY, 200, 200, 200, 200, 404, 404)),
    ("crate KDN", "/hq/crates/{w.crates[ng_ammo]}",
     expect(DENY, 404, 404, 404, 404, 404, 200)),
    ("photo NMY", "/hq/photos/{s.photo_id}", expect(DENY, 200, 200, 200, 200, 404, 404)),
    ("thumbnail NMY", "/hq/photos/{s.photo_id}/thumb",
     expect(DENY, 200, 200, 200, 200, 404, 404)),
    ("devices", "/hq/devices", expect(DENY, 200, 200, 200, 200, 200, 200)),
]


@pytest.mark.parametrize(("path", "expected"), [(p, e) for _, p, e in GETS],
                         ids=[i for i, _, _ in GETS])
@pytest.mark.parametrize("role", ROLES)
def test_pages(hq, role, path, expected):
    url = path.format(s=hq["s"], w=hq["world"])
    response = hq["clients"][role].get(url)
    assert response.status_code == expected[role], response.get_data(as_text=True)[:400]
    if response.status_code == 302 and role == "anonymous" and url != "/hq/login":
        assert "/hq/login" in response.headers["Location"]


def _post(hq, role, path, data):
    client = hq["clients"][role]
    return client.post(path, data={**data, "csrf_token": client.csrf})


# each role acts on an object of its own (seed_per_role), so results do not depend on order
ACTIONS = [
    ("resolve conflict", lambda hq, role: (
        f"/hq/conflicts/{hq['per_role'].conflicts[role]}/resolve",
        {"choose": "server", "reason": "Verified on site"}),
     expect(DENY, 403, 302, 302, 302, 404, 404)),
    ("note discrepancy", lambda hq, role: (
        f"/hq/discrepancies/{hq['per_role'].open_discrepancies[role]}/notes",
        {"text": "Storekeeper interviewed"}),
     expect(DENY, 403, 302, 302, 302, 404, 404)),
    ("close discrepancy", lambda hq, role: (
        f"/hq/discrepancies/{hq['per_role'].open_discrepancies[role]}/close",
        {"outcome": "no_adjustment", "cause": "Recount found the missing box"}),
     expect(DENY, 403, 302, 302, 302, 404, 404)),
    # the commander proposed these adjustments: approving their own is refused (422)
    ("approve adjustment", lambda hq, role: (
        f"/hq/discrepancies/{hq['per_role'].proposed[role]}/approve", {"adjustment": "-10"}),
     expect(DENY, 403, 422, 302, 302, 404, 404)),
    ("enrol for the NMY inspector", lambda hq, role: (
        "/hq/devices", {"user_id": hq["world"].users["inspector"], "name": "spare"}),
     expect(DENY, 403, 200, 403, 200, 404, 404)),
    ("enrol for the reviewer", lambda hq, role: (
        "/hq/devices", {"user_id": hq["world"].users["reviewer"]}),
     expect(DENY, 404, 404, 403, 200, 404, 404)),
    ("enrol for the commander", lambda hq, role: (
        "/hq/devices", {"user_id": hq["world"].users["commander"]}),
     expect(DENY, 403, 200, 403, 200, 404, 404)),
    ("revoke the NMY inspector's phone", lambda hq, role: (
        f"/hq/devices/{hq['world'].devices['inspector']}/revoke", {}),
     expect(DENY, 302, 302, 403, 302, 404, 404)),
    ("revoke the NG commander's phone", lambda hq, role: (
        f"/hq/devices/{hq['world'].devices['ng_commander']}/revoke", {}),
     expect(DENY, 404, 404, 404, 404, 404, 302)),
    ("language", lambda hq, role: ("/hq/language", {"language": "en"}),
     expect(302, 302, 302, 302, 302, 302, 302)),
]


@pytest.mark.parametrize(("make", "expected"), [(m, e) for _, m, e in ACTIONS],
                         ids=[i for i, _, _ in ACTIONS])
@pytest.mark.parametrize("role", ROLES)
def test_actions(hq, role, make, expected):
    path, data = make(hq, role if role in ACTING else "inspector")
    response = _post(hq, role, path, data)
    assert response.status_code == expected[role], response.get_data(as_text=True)[:400]


def test_self_approval_names_the_rule(hq):
    response = _post(hq, "commander",
                     f"/hq/discrepancies/{hq['per_role'].proposed['commander']}/approve",
                     {"adjustment": "-10"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "ledger.self_approval" in page
    assert "someone other than the person who proposed it" in page


def test_a_form_without_its_csrf_token_is_refused(hq):
    client = hq["clients"]["reviewer"]
    response = client.post(f"/hq/conflicts/{hq['s'].conflict_ids[1]}/resolve",
                           data={"choose": "server", "reason": "no token"})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    other = hq["clients"]["admin"].csrf  # a token from someone else's session
    response = client.post(f"/hq/conflicts/{hq['s'].conflict_ids[1]}/resolve",
                           data={"choose": "server", "reason": "x", "csrf_token": other})
    assert response.status_code == 400
