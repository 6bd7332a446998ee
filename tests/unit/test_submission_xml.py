"""Submission XML as Collect, Central and Kobo write it, read safely."""

import pytest

from forms.instance import InvalidXml, MissingInstanceId, parse_instance, read_xml

ORX_META = b"""<data id="test-form" version="20240506130956">
  <orx:meta xmlns:orx="http://openrosa.org/xforms"><orx:instanceID>uuid:a1</orx:instanceID>
  </orx:meta>
</data>"""

KOBO_EDIT = b"""<?xml version='1.0' ?>
<tutorial id="tutorial">
    <name>Dick n Jane</name>
  <picture>1333604907194.jpg</picture>
  <meta>
    <instanceID>uuid:2d8c59eb-94e9-485d-a679-b28ffe2e9b98</instanceID>
    <deprecatedID>uuid:729f173c688e482486a48661700455ff</deprecatedID>
  </meta>
</tutorial>"""

OFFLINE_UPDATE = b"""<?xml version='1.0' ?>
<data id="crate_count" version="2026112501" xmlns:jr="http://openrosa.org/javarosa"
      xmlns:entities="http://www.opendatakit.org/xforms/entities">
  <depot>NMY</depot>
  <lines><quantity>3</quantity><group><inner>x</inner></group>
    <meta><entities:entity dataset="crates" id="uuid:0B7C3F0E-1111-4222-8333-944445555666"
      update="1" baseVersion="4" trunkVersion="3" branchId="b-1"/></meta></lines>
  <lines><quantity>5</quantity>
    <meta><entity dataset="crates" create="1" id="9f0e" baseVersion="">
      <label>NE-NMY-000009-C</label></entity></meta></lines>
  <meta><instanceID>uuid:e1</instanceID></meta>
</data>"""


def test_orx_meta_and_the_form_version():
    inst = parse_instance(read_xml(ORX_META), None)
    assert (inst.form_id, inst.version, inst.instance_id, inst.deprecated_id) == (
        "test-form", "20240506130956", "uuid:a1", None)


def test_an_edit_names_the_instance_it_replaces():
    inst = parse_instance(read_xml(KOBO_EDIT), None)
    assert inst.deprecated_id == "uuid:729f173c688e482486a48661700455ff"
    assert inst.answers == {"name": "Dick n Jane", "picture": "1333604907194.jpg"}


def test_entity_blocks_with_or_without_prefix_and_their_container():
    inst = parse_instance(read_xml(OFFLINE_UPDATE), None)
    assert inst.answers["lines"] == [{"quantity": "3", "inner": "x"}, {"quantity": "5"}]
    update, create = inst.entities
    assert (update.dataset, update.id, update.update, update.create, update.base_version,
            update.trunk_version, update.branch_id, update.label) == (
        "crates", "uuid:0B7C3F0E-1111-4222-8333-944445555666", True, False, "4", "3", "b-1",
        None)
    assert update.values == {"quantity": "3", "inner": "x"}
    assert (create.create, create.label, create.values) == (True, "NE-NMY-000009-C",
                                                            {"quantity": "5"})


@pytest.mark.parametrize(("xml", "error"), [
    (b"<data id='x'><a>1</a></data>", MissingInstanceId),
    (b"<data><meta><instanceID>uuid:1</instanceID></meta></data>", InvalidXml),
    (b"<data id='x'><meta><instanceID>" + b"u" * 65 + b"</instanceID></meta></data>",
     InvalidXml),
    (b"<data id='x'>" + b"<g>" * 40 + b"</g>" * 40
     + b"<meta><instanceID>uuid:1</instanceID></meta></data>", InvalidXml),
], ids=["no instanceID", "no form id", "instanceID too long", "nested too deep"])
def test_what_cannot_be_a_submission(xml, error):
    with pytest.raises(error):
        parse_instance(read_xml(xml), None)


@pytest.mark.parametrize("xml", [
    b'<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d id="x">&e;</d>',
    b'<!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><d id="x">&b;</d>',
    b'<!DOCTYPE d SYSTEM "http://example.com/d.dtd"><d id="x"/>',
    b"<d id='x'>&undefined;</d>",
    b"",
], ids=["external entity", "entity expansion", "external DTD", "undefined entity", "empty"])
def test_dtds_and_entities_are_refused_before_expansion(xml):
    with pytest.raises(InvalidXml):
        read_xml(xml)
