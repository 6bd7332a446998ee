"""The OpenRosa lists Collect reads: formList, forms, manifests, the crate entity list and its
integrity URL; hashes that change when a form or the crate list changes, and only then."""

import csv
import dataclasses
import hashlib
import io
import re
from datetime import UTC, datetime
from xml.etree.ElementTree import fromstring

import pytest
from sqlalchemy import select

from server.db import db
from server.models import Crate
from tests.http.sync_helpers import Phone

LIST = "{http://openrosa.org/xforms/xformsList}"
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"
REPEAT_ENTITIES = {"crate_count", "crate_count_blind", "crate_registration"}
SHIPPED = {"visit_header", "security_check", "records_audit", *REPEAT_ENTITIES,
           "crate_count_one", "crate_count_blind_one", "crate_registration_one",
           "marking_check", "close_out", "key_register", "access_log", "alarm_log",
           "patrol_log", "storage_safety", "ammo_condition", "stock_voucher",
           "weapon_registration"}


def assert_openrosa_headers(r):
    assert r.headers["X-OpenRosa-Version"] == "1.0"
    assert r.headers["X-OpenRosa-Accept-Content-Length"] == "10485760"
    assert r.headers["Date"].endswith(" GMT")


def form_list(collect, user_agent: str = "Werkzeug/3"):
    r = collect.get("/formList", headers={"User-Agent": user_agent})
    assert r.status_code == 200 and r.content_type == "text/xml; charset=utf-8"
    assert_openrosa_headers(r)
    root = fromstring(r.data)
    assert root.tag == f"{LIST}xforms"
    out = {}
    for xform in root:
        assert xform.tag == f"{LIST}xform"
        fields = {child.tag.removeprefix(LIST): child.text for child in xform}
        assert list(fields)[:5] == ["formID", "name", "version", "hash", "downloadUrl"]
        out[fields["formID"]] = fields
    return out


def manifest(collect, form_id):
    r = collect.get(f"/forms/{form_id}/manifest")
    assert r.status_code == 200
    assert_openrosa_headers(r)
    root = fromstring(r.data)
    assert root.tag == f"{MANIFEST}manifest"
    files = {}
    for media in root:
        assert media.tag == f"{MANIFEST}mediaFile"
        fields = {child.tag.removeprefix(MANIFEST): child.text for child in media}
        fields["type"] = media.get("type")
        files[fields["filename"]] = fields
    return files


def download(collect, url):
    r = collect.client.get(url.removeprefix("http://localhost"))
    assert r.status_code == 200, r.data
    assert_openrosa_headers(r)
    return r


def test_form_list_names_every_form_with_the_hash_of_what_it_serves(collect, published):
    forms = form_list(collect)
    assert set(forms) == SHIPPED
    for form_id, f in forms.items():
        assert f["version"] == published[form_id][0]
        body = download(collect, f["downloadUrl"]).data
        assert f["hash"] == "md5:" + hashlib.md5(body).hexdigest() == "md5:" + published[
            form_id][1]
        assert f["manifestUrl"].endswith(f"/forms/{form_id}/manifest")
        assert f["name"] and "/" in f["name"]  # English / French title


COLLECT_UA = ("org.odk.collect.android/{} Dalvik/2.1.0 (Linux; U; Android 13; SM-A145F "
              "Build/TP1A.220624.014)")


@pytest.mark.parametrize(("version", "offered"), [
    ("v2024.3.4", SHIPPED - REPEAT_ENTITIES), ("v2025.4.3", SHIPPED - REPEAT_ENTITIES),
    ("v2026.1.0", SHIPPED), ("v2026.2.1", SHIPPED)], ids=lambda v: str(v)[:9])
def test_older_collect_is_offered_only_forms_it_can_open(collect, published, version, offered):
    forms = form_list(collect, COLLECT_UA.format(version))
    assert set(forms) == offered
    for form_id in forms:
        xml = collect.get(f"/forms/{form_id}.xml").data.decode()
        declared = set(re.findall(r'entities-version="([^"]+)"', xml))
        if version < "v2026.1":
            assert declared <= {"2024.1.0"}, form_id  # what Collect before v2026.1 reads


def test_manifest_lists_the_crate_entity_list_with_an_integrity_url(collect):
    files = manifest(collect, "crate_count")
    assert set(files) == {"crates.csv", "crate_book.csv", "depots.csv", "locations.csv",
                          "visits.csv"}
    crates = files["crates.csv"]
    assert crates["type"] == "entityList"
    assert crates["integrityUrl"].endswith("/datasets/crates/integrity")
    assert files["depots.csv"]["type"] is None and "integrityUrl" not in files["depots.csv"]
    for f in files.values():
        body = download(collect, f["downloadUrl"]).data
        assert f["hash"] == "md5:" + hashlib.md5(body).hexdigest()
    assert set(manifest(collect, "crate_count_blind")) == {"crates.csv", "depots.csv",
                                                           "locations.csv", "visits.csv"}
    assert set(manifest(collect, "visit_header")) == {"depots.csv", "users.csv"}


def rows(body):
    return list(csv.DictReader(io.StringIO(body.decode())))


def test_the_stacks_of_the_devices_depots_only_are_listed(collect, client, world):
    from tests.collect import Collect

    listed = rows(collect.get("/forms/crate_registration/attachments/locations.csv").data)
    assert {"name": "B1/A1", "label": "B1/A1", "depot": "NMY"} in listed
    assert {r["depot"] for r in listed} == {"NMY"}
    assert all(re.fullmatch(r"B\d/A\d", r["name"]) for r in listed)
    ng = rows(Collect(client, world.tokens["ng_inspector"]).get(
        "/forms/crate_registration/attachments/locations.csv").data)
    assert ng and {r["depot"] for r in ng} == {"KDN"}


def test_the_entity_list_holds_the_devices_depots_and_no_book_contents(collect, world, app):
    body = collect.get("/forms/crate_count/attachments/crates.csv").data
    header = body.decode().splitlines()[0].split(",")
    assert header[:3] == ["name", "label", "__version"]
    assert not {"quantity", "lot_number"} & set(header)
    listed = {r["label"]: r for r in rows(body)}
    assert set(listed) == {world.crates["ammo"], world.crates["rifles"]}  # NMY only
    ammo = listed[world.crates["ammo"]]
    with app.app_context():
        crate = db.session.get(Crate, world.crate_ids["ammo"])
        assert (ammo["name"], ammo["__version"]) == (crate.id, str(crate.version))
    assert (ammo["label_key"], ammo["depot"], ammo["location"], ammo["kind"]) == (
        world.crates["ammo"].replace("-", ""), "NMY", "B1/A1", "ammo_box")
    book = {r["label"]: r for r in rows(
        collect.get("/forms/crate_count/attachments/crate_book.csv").data)}
    assert (book[world.crates["ammo"]]["lot_number"], book[world.crates["ammo"]]["quantity"]) \
        == ("BG-98-117", "1000")
    assert book[world.crates["rifles"]]["weapons"] == "2"
    r = collect.get("/forms/crate_count_blind/attachments/crate_book.csv")
    assert r.status_code == 404  # the blind form has no book to give


def test_entity_list_download_answers_304_while_unchanged(collect, world):
    first = collect.get("/forms/crate_count/attachments/crates.csv")
    etag = first.headers["ETag"]
    again = collect.get("/forms/crate_count/attachments/crates.csv",
                        headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert_openrosa_headers(again)
    Phone(collect.client, world, "commander").push([
        {"op_id": "m1", "entity": "crate", "entity_id": world.crate_ids["ammo"],
         "action": "patch", "set": {"location": "B2/A2"}, "base": {"location": "B1/A1"},
         "base_version": None}])
    changed = collect.get("/forms/crate_count/attachments/crates.csv",
                          headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def hashes(collect):
    out = {f"list:{k}": v["hash"] for k, v in form_list(collect).items()}
    for form_id in ("crate_count", "visit_header"):
        out.update({f"{form_id}:{k}": v["hash"] for k, v in manifest(collect, form_id).items()})
    return out


def changed(before, after):
    return {k for k in before if before[k] != after[k]}


def test_hashes_change_when_a_form_or_the_crate_list_changes_and_only_then(
        collect, world, app):
    start = hashes(collect)
    assert hashes(collect) == start
    with app.app_context():
        version = db.session.get(Crate, world.crate_ids["ammo"]).version
    elsewhere = Phone(collect.client, world, "ng_commander")  # another country's crate
    elsewhere.push([elsewhere.op(world.crate_ids["ng_ammo"], "patch", {"seal_number": "N-1"},
                                 base={"seal_number": None})])
    counter = Phone(collect.client, world, "commander")  # a count is not an edit
    counter.push([counter.op(world.crate_ids["ammo"], "count", {"quantity": 1000},
                             base_version=version)])
    assert hashes(collect) == start
    counter.push([counter.op(world.crate_ids["ammo"], "patch", {"seal_number": "S-9"},
                             base={"seal_number": None}, base_version=version)])
    after_patch = hashes(collect)
    assert changed(start, after_patch) == {"crate_count:crates.csv"}
    republish(app, "crate_count", "2026112601")
    after_publish = hashes(collect)
    assert changed(after_patch, after_publish) == {"list:crate_count"}


def republish(app, form_id, version):
    from forms.registry import publish
    from forms.sources import SHIPPED as SOURCES
    from forms.xlsform import build_xlsx
    from sync.journal.trail import SYSTEM

    source = next(s for s in SOURCES if s.form_id == form_id)
    with app.app_context():
        publish(db.session, build_xlsx(dataclasses.replace(source, version=version)),
                actor=SYSTEM, now=datetime.now(UTC))
        db.session.commit()


def test_integrity_says_which_entities_are_gone(collect, world, app):
    """Unknown IDs (a crate registered offline, not yet sent) and other countries' are left
    out: Collect deletes what the answer says is deleted."""
    with app.app_context():
        rifles = db.session.get(Crate, world.crate_ids["rifles"])
        rifles.deleted_at = datetime.now(UTC)
        db.session.commit()
        ng = db.session.scalar(select(Crate.id).where(Crate.label_id == world.crates["ng_ammo"]))
    ammo, unknown = world.crate_ids["ammo"], "0b7c3f0e-1111-4222-8333-944445555666"
    r = collect.get(f"/datasets/crates/integrity?id={ammo},{rifles.id},{ng},{unknown}")
    assert r.status_code == 200
    assert_openrosa_headers(r)
    assert b"> <" not in r.data and b">\n" not in r.data  # Collect reads children by index
    root = fromstring(r.data)
    assert root.tag == "data" and root[0].tag == "entities"
    states = {e.get("id"): e.find("deleted").text for e in root[0]}
    assert states == {ammo: "false", rifles.id: "true"}
    assert ng not in r.data.decode() and unknown not in r.data.decode()
    assert collect.get("/datasets/people/integrity?id=x").status_code == 404


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/formList"), ("get", "/forms/crate_count.xml"), ("post", "/submission"),
], ids=["form list", "form", "submission"])
def test_an_unknown_token_gets_401_in_the_envelope(client, published, method, path):
    r = getattr(client, method)(f"/key/not-a-token{path}")
    assert (r.status_code, r.headers["X-Depotsync-Error"]) == (401, "auth.token_invalid")
    assert_openrosa_headers(r)
    root = fromstring(r.data)
    assert root.tag == "{http://openrosa.org/http/response}OpenRosaResponse"
    assert root[0].get("nature") == "error" and root[0].text


def test_a_revoked_phone_is_refused_at_once(collect, world, app):
    assert collect.get("/formList").status_code == 200
    r = app.test_cli_runner().invoke(args=["revoke-device", world.devices["inspector"]])
    assert r.exit_code == 0
    r = collect.get("/formList")
    assert (r.status_code, r.headers["X-Depotsync-Error"]) == (401, "auth.token_revoked")
    assert collect.send(b"<data id='x'/>").status_code == 401


def test_each_phone_lists_its_own_depots_only(client, world, published):
    from tests.collect import Collect

    ng = Collect(client, world.tokens["ng_inspector"])
    listed = rows(ng.get("/forms/crate_count/attachments/crates.csv").data)
    assert [r["label"] for r in listed] == [world.crates["ng_ammo"]]
    depots = rows(ng.get("/forms/visit_header/attachments/depots.csv").data)
    assert [d["name"] for d in depots] == ["KDN"]


def test_unknown_forms_files_and_paths_are_404_in_the_envelope(collect):
    for path in ("/forms/nope.xml", "/forms/nope/manifest",
                 "/forms/visit_header/attachments/crates.csv", "/nothing/here"):
        r = collect.get(path)
        assert r.status_code == 404, path
        assert_openrosa_headers(r)
        assert fromstring(r.data)[0].get("nature") == "error"
    r = collect.client.put(collect.base + "/submission")
    assert r.status_code == 405 and r.headers["X-OpenRosa-Version"] == "1.0"


def test_crate_files_are_made_once_until_a_crate_changes(collect, world, monkeypatch):
    from sync.intake import entity_list as entitylist

    made = []
    original = entitylist.MAKERS["crates.csv"]
    monkeypatch.setitem(entitylist.MAKERS, "crates.csv",
                        lambda s, p: made.append(1) or original(s, p))
    for _ in range(3):
        manifest(collect, "crate_count")
        collect.get("/forms/crate_registration/attachments/crates.csv")
    assert len(made) == 1
    phone = Phone(collect.client, world, "commander")
    phone.push([phone.op(world.crate_ids["rifles"], "patch", {"notes": "dented"},
                         base={"notes": ""})])
    manifest(collect, "crate_count")
    assert len(made) == 2
