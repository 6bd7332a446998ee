import pytest

from sync.engine.merge import Merge, merge_fields

BASE = {"location": "B1/A1", "seal_number": "S1", "status": "in_store", "notes": "ok",
        "tags": ["a", "b"], "lot": 7, "condition": "SERVICEABLE"}


@pytest.mark.parametrize(("server", "phone", "current", "values", "conflicts"), [
    # custody/location: only if unchanged since base
    ({"location": "B1/A1"}, {"location": "B2/A1"}, True, {"location": "B2/A1"}, {}),
    ({"location": "B1/A1"}, {"location": "B2/A1"}, False, {"location": "B2/A1"}, {}),
    ({"location": "B3/A1"}, {"location": "B2/A1"}, False, {}, {"location": "changed_since_base"}),
    ({"location": "B2/A1"}, {"location": "B2/A1"}, False, {}, {}),
    ({"seal_number": "S9"}, {"seal_number": "S2"}, False, {}, {"seal_number":
                                                               "changed_since_base"}),
    # identity never merges
    ({"lot": 7}, {"lot": 8}, True, {}, {"lot": "identity"}),
    ({"lot": 7}, {"lot": 7}, False, {}, {}),
    # lifecycle forward only
    ({"status": "in_store"}, {"status": "emptied"}, False, {"status": "emptied"}, {}),
    ({"status": "retired"}, {"status": "emptied"}, False, {}, {}),
    ({"status": "in_store"}, {"status": "registered"}, True, {}, {"status": "backward"}),
    # notes append
    ({"notes": "ok\nseal checked"}, {"notes": "ok\nrust on lid"}, False,
     {"notes": "ok\nseal checked\nrust on lid"}, {}),
    ({"notes": "ok"}, {"notes": "ok"}, False, {}, {}),
    # sets union, with the phone's removals
    ({"tags": ["a", "b", "c"]}, {"tags": ["b", "d"]}, False, {"tags": ["b", "c", "d"]}, {}),
    # several fields, one conflicting: the rest still applies
    ({"location": "B3/A1", "seal_number": "S1"}, {"location": "B2/A1", "seal_number": "S2"},
     False, {"seal_number": "S2"}, {"location": "changed_since_base"}),
], ids=["location current", "location stale unchanged", "location both changed",
        "same change", "seal both changed", "identity", "identity same", "forward",
        "behind server", "backward", "notes append", "notes same", "tags union",
        "partial merge"])
def test_merge_fields(server, phone, current, values, conflicts):
    full_server = {**BASE, **server}
    assert merge_fields(BASE, full_server, phone, base_is_current=current) == Merge(
        values=values, conflicts=conflicts)


def test_missing_base_for_a_stale_custody_field_is_a_conflict():
    merged = merge_fields({}, {"location": "B3/A1"}, {"location": "B2/A1"},
                          base_is_current=False)
    assert merged.conflicts == {"location": "changed_since_base"}
