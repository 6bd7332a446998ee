"""People of no country: a regional body's user (ECOWAS Commission) and a programme partner's.
They log in, land on their body's page, and every other page and API answer of the
application, each filled in with real ids of Niger's and Nigeria's records, is refused to them
(403, 404, or 401 where a phone's token is needed) unless anyone may read it: never a 5xx,
never a record."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from server.db import db, utcnow
from server.errors import Conflict, InvalidInput
from server.models import Body, User
from sync.journal.trail import SYSTEM
from sync.people import accounts
from tests.factories import password_hash
from tests.hq_seed import as_user, seeded_app

BODY_USERS = {"ecowas_officer": ("regional", "ECOWAS"), "partner_officer": ("partner", "MAG")}
# the pages a body's own permissions open, with nothing of any country on them (one line each)
OPENED = {"ecowas_officer": {"/hq/tracing"}}
REFUSED = {401, 403, 404, 405}
# pages a body's user may open: what countries released to a partner (tests/http/test_programme.py)
OWN_PAGES = {"partner_officer": ("/hq/programme/released", "/hq/programme/regional.")}


@pytest.fixture(scope="module")
def hq(migrated, tmp_path_factory):
    app, world, seeded = seeded_app(migrated, tmp_path_factory.mktemp("bodies"))
    with app.app_context():
        accounts.create_body(db.session, "ecowas", "ECOWAS Commission", kind="regional",
                             actor=SYSTEM, now=utcnow())
        accounts.create_body(db.session, "MAG", "Mines Advisory Group", kind="partner",
                             actor=SYSTEM, now=utcnow())
        for username, (role, body) in BODY_USERS.items():
            user = accounts.create_user(db.session, username, role=role, body_code=body,
                                        actor=SYSTEM, now=utcnow())
            user.password_hash = password_hash()
            world.users[username] = user.id
        officer = db.session.get(User, world.users["ecowas_officer"])
        world.tokens["ecowas_officer"] = accounts.enroll_device(
            db.session, officer, actor=SYSTEM, now=utcnow()).token
        db.session.commit()
    yield {"app": app, "world": world, "s": seeded}
    with app.app_context():
        db.engine.dispose()


def filled_urls(hq) -> list[str]:
    """Every GET route of the application, its arguments filled with real records of both
    countries (so a refusal is a refusal of something that exists)."""
    w, s = hq["world"], hq["s"]
    values = {"code": ["NMY", "KDN"], "label_id": [w.crates["ammo"], w.crates["ng_ammo"]],
              "submission_id": [s.submission_id, s.ng_submission_id],
              "instance_id": [s.instance_id], "photo_id": [s.photo_id],
              "conflict_id": [s.conflict_ids[0], s.ng_conflict_id],
              "discrepancy_id": [s.discrepancy_id, s.ng_discrepancy_id],
              "device_id": [w.devices["inspector"]], "token": [w.tokens["inspector"]]}
    urls = set()
    app = hq["app"]
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "root"):
            continue
        args = sorted(rule.arguments)
        choices = {a: sorted(getattr(rule._converters[a], "items", ())) for a in args}
        options = [choices[a] or values.get(a, ["1"]) for a in args]
        for i in range(max((len(o) for o in options), default=1)):
            filled = {a: o[min(i, len(o) - 1)] for a, o in zip(args, options, strict=True)}
            with app.test_request_context():
                urls.add(rule.build(filled, append_unknown=False)[1])
    return sorted(urls)


@pytest.mark.parametrize("username", BODY_USERS)
def test_a_body_user_sees_its_body_page_and_nothing_of_any_country(hq, username):
    client = as_user(hq, username)
    home = client.get("/hq/")
    assert home.status_code == 200
    page = home.get_data(as_text=True)
    assert ("ECOWAS Commission" if username == "ecowas_officer" else "Mines Advisory Group") in page
    # no country's navigation: no inspection log, no depot list, no search box
    assert 'href="/hq/inspections"' not in page and 'id="search"' not in page

    urls = filled_urls(hq)
    assert len(urls) > 60, urls  # the crawl reaches the whole application
    answered = {}
    for url in urls:
        if url == "/hq/":
            continue
        response = client.get(url)
        answered[url] = response.status_code
        if response.status_code == 200 and url.startswith(OWN_PAGES.get(username, ())):
            continue
        body = response.get_data(as_text=True)
        assert response.status_code < 500, (url, body[:300])
        if response.status_code == 302:  # only the login page sends a signed-in user on
            assert url == "/hq/login", (url, response.headers["Location"])
            continue
        if response.status_code == 200 and url not in OPENED.get(username, ()):
            # only what anyone may read (the API's description)
            assert hq["app"].test_client().get(url).get_data(as_text=True) == body, url
            continue
        assert response.status_code in REFUSED or url in OPENED.get(username, ()), (
            url, response.status_code, body[:300])
        secrets = ("NMY", "KDN", "Niamey", hq["s"].submission_id, hq["world"].crates["ammo"])
        for secret in secrets:  # what the address itself names may be repeated, no more
            assert secret in url or secret not in body, (url, secret)
    assert 404 in answered.values() and 403 in answered.values()


def test_a_regional_officers_api_token_opens_nothing_but_tracing_requests(hq):
    """The regional officer's API token (for its tracing tools) crawled over every GET route
    outside the HQ pages (which take no token): no 5xx, no record of any country; 200 only for
    the tracing request list (empty: it carries none), the server's limits and what anyone
    may read."""
    headers = {"Authorization": f"Bearer {hq['world'].tokens['ecowas_officer']}"}
    client, anonymous = hq["app"].test_client(), hq["app"].test_client()
    answered = {}
    for url in (u for u in filled_urls(hq) if not u.startswith("/hq/")):
        response = client.get(url, headers=headers)
        answered[url] = response.status_code
        body = response.get_data(as_text=True)
        assert response.status_code < 500, (url, body[:300])
        if response.status_code == 200 and url == "/api/v1/tracing/requests":
            assert response.json["requests"] == [], body[:300]
        elif response.status_code == 200 and url == "/api/v1/sync/config":
            assert set(response.json) >= {"max_ops_per_batch"}  # the server's limits only
        elif response.status_code in (200, 302):  # what anyone may read, or the HQ login
            assert anonymous.get(url).get_data(as_text=True) == body, url
        else:  # 422: an id that cannot be one (the crawl's "1"), refused whoever asks
            assert response.status_code in REFUSED | {422}, (url, response.status_code,
                                                             body[:300])
        for secret in ("NMY", "KDN", "Niamey", hq["s"].submission_id,
                       hq["world"].crates["ammo"]):
            assert secret in url or secret not in body, (url, secret)
    assert answered["/api/v1/tracing/requests"] == 200
    assert sum(1 for u, c in answered.items() if u.startswith("/api/") and c in (403, 404)) > 20


def test_body_users_are_made_with_a_body_and_nothing_else(hq):
    app = hq["app"]
    with app.app_context():
        now = utcnow()
        for bad in ({"role": "regional", "body_code": "ECOWAS", "country_code": "NE"},
                    {"role": "regional", "body_code": "MAG"},  # a partner body
                    {"role": "partner", "body_code": "NOPE"},
                    {"role": "partner", "body_code": "MAG", "depot_codes": ["NMY"]},
                    {"role": "reviewer", "country_code": "NE", "body_code": "ECOWAS"}):
            with pytest.raises(InvalidInput):
                accounts.create_user(db.session, "someone", **bad, actor=SYSTEM, now=now)
        with pytest.raises(Conflict):
            accounts.create_body(db.session, "Ecowas", "Again", kind="regional",
                                 actor=SYSTEM, now=now)
        with pytest.raises(InvalidInput):  # no phone for a partner's user
            accounts.enroll_device(db.session, db.session.get(
                User, hq["world"].users["partner_officer"]), actor=SYSTEM, now=now)
        # a regional body's officer gets an API token for tracing requests (test_tracing_api)
        assert accounts.enroll_device(db.session, db.session.get(
            User, hq["world"].users["ecowas_officer"]), actor=SYSTEM, now=now).token
        assert db.session.scalar(db.select(Body.code).where(Body.kind == "regional")) == "ECOWAS"
        db.session.rollback()


def test_the_database_refuses_a_user_of_both_or_neither(hq):
    app = hq["app"]
    with app.app_context():
        body_id = db.session.scalar(db.select(Body.id).where(Body.code == "ECOWAS"))
        for country, body in (("NE", body_id), (None, None)):
            db.session.add(User(username=f"odd-{country}", role="reviewer",
                                country_code=country, body_id=body))
            with pytest.raises(IntegrityError):
                db.session.flush()
            db.session.rollback()
