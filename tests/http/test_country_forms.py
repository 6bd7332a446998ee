"""A country publishes its own version of a form (form id "<cc>_<base>"): its phones get it
in the place of the shipped one, other countries' phones never see it."""

from __future__ import annotations

import dataclasses
from xml.etree.ElementTree import fromstring

import pytest

from forms.registry import publish
from forms.sources.common import row, yes_no_item
from forms.sources.visit import SECURITY_CHECK
from forms.xlsform import FormInvalid, build_xlsx
from server.db import db, utcnow
from sync.journal.trail import SYSTEM
from tests.collect import Collect

LIST = "{http://openrosa.org/xforms/xformsList}"
NG_CHECK = dataclasses.replace(
    SECURITY_CHECK, form_id="ng_security_check", title="Physical security (Nigeria)",
    version="2026120101", survey=(
        *SECURITY_CHECK.survey,
        row("begin group", "ng_extra", "Nigeria", "Nigéria", "نيجيريا"),
        *yes_no_item("armoury_log_signed", "The armoury log is signed by the QM",
                     "Le registre de l'armurerie est signé par l'intendant",
                     "سجل مخزن الأسلحة موقَّع من أمين التموين", "critical"),
        row("end group")))


def form_ids(collect: Collect) -> set[str]:
    doc = fromstring(collect.get("/formList").data)
    return {x.findtext(f"{LIST}formID") for x in doc.iter(f"{LIST}xform")}


@pytest.fixture
def ng_published(app, published):
    with app.app_context():
        publish(db.session, build_xlsx(NG_CHECK), actor=SYSTEM, now=utcnow(), country="NG")
        db.session.commit()


def test_an_ng_checklist_is_what_ng_phones_get_and_ne_phones_do_not(client, world,
                                                                      ng_published):
    ng = Collect(client, world.tokens["ng_inspector"])
    ne = Collect(client, world.tokens["inspector"])
    assert "ng_security_check" in form_ids(ng) and "security_check" not in form_ids(ng)
    assert "security_check" in form_ids(ne) and "ng_security_check" not in form_ids(ne)
    assert {"visit_header", "close_out"} <= form_ids(ng) & form_ids(ne)
    xml = ng.get("/forms/ng_security_check.xml").get_data(as_text=True)
    assert "armoury_log_signed" in xml and "Physical security (Nigeria)" in xml
    for path in ("/forms/ng_security_check.xml", "/forms/ng_security_check/manifest"):
        assert ne.get(path).status_code == 404
    assert ng.get("/forms/security_check.xml").status_code == 404


def test_a_country_form_id_carries_its_prefix_and_one_country(app, world, published):
    with app.app_context():
        with pytest.raises(FormInvalid, match="starts with ng_"):
            publish(db.session, build_xlsx(SECURITY_CHECK), actor=SYSTEM, now=utcnow(),
                    country="NG")
        with pytest.raises(FormInvalid, match="No country"):
            publish(db.session, build_xlsx(NG_CHECK), actor=SYSTEM, now=utcnow(),
                    country="ZZ")
        publish(db.session, build_xlsx(NG_CHECK), actor=SYSTEM, now=utcnow(), country="NG")
        with pytest.raises(FormInvalid, match="already published for NG"):
            publish(db.session, build_xlsx(dataclasses.replace(NG_CHECK, version="2")),
                    actor=SYSTEM, now=utcnow())


def test_the_country_form_scores_its_own_items(app, client, world, ng_published):
    import uuid

    from server.models import Visit
    from tests.visit_forms import checklist

    ng = Collect(client, world.tokens["ng_inspector"])
    visit_id = str(uuid.uuid4())
    items = [f.get("name") for f in NG_CHECK.survey if f.get("bind::ds:finding")]
    answers = {**checklist(items, visit_id, {"armoury_log_signed": "Not signed"}),
               "depot": "KDN", "guards_count": "2", "access_log_photo": "log.jpg"}
    assert ng.send(ng.fill("ng_security_check", answers)).status_code == 201
    with app.app_context():
        score = db.session.get(Visit, visit_id).score
    assert (score["rrpl"], score["levels"][0]["critical_unmet"]) == (0, ["armoury_log_signed"])
