"""A whole visit filled in ODK Collect: the header (F0) opens it as a `visits` entity and
the other forms pick it, as Collect does with an entity made offline."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from forms.sources.closeout import F3_ITEMS
from forms.sources.crates import F5_ITEMS
from forms.sources.visit import F1_ITEMS
from tests.collect import new_instance_id

START, END = "2026-11-25T09:00:00.000+01:00", "2026-11-25T13:00:00.000+01:00"


def header(world, visit_id: str, *, visit_type: str = "routine_internal",
           start: str = START) -> dict:
    return {"start": start, "end": END, "depot": "NMY", "visit_type": visit_type,
            "inspectors": f"{world.users['inspector']} {world.users['admin']}",
            "people_present": "Adj. Issa (magasinier)", "position": "13.51 2.11 210.0 4.0",
            "visit_label": f"NMY {start[:10]}", "__visit": visit_id}


def checklist(items, visit_id: str, no: dict[str, str] = ()) -> dict:
    """Every item "yes" but those in `no` (item -> comment)."""
    answers = {"start": START, "end": END, "depot": "NMY", "visit": visit_id}
    for name in items:
        answers[name] = "no" if name in dict(no) else "yes"
        if name in dict(no):
            answers[f"{name}_comment"] = dict(no)[name]
            answers[f"{name}_photo"] = f"{name}.jpg"
    return answers


def send_visit(collect, world, *, f1_no: dict[str, str] = (), due: date | None = None,
               visit_id: str | None = None, visit_type: str = "routine_internal",
               start: str = START) -> tuple[str, dict[str, str]]:
    """F0, F1, F3, F4, F5 and F7 of one visit; returns (visit id, form -> instance id)."""
    visit_id = visit_id or str(uuid.uuid4())
    due = due or date.today() + timedelta(days=30)
    sent = {}

    def send(form_id: str, answers: dict, entity=None) -> None:
        sent[form_id] = new_instance_id()
        r = collect.send(collect.fill(form_id, answers, instance_id=sent[form_id],
                                      entity=entity))
        assert r.status_code == 201, r.data

    head = header(world, visit_id, visit_type=visit_type, start=start)
    send("visit_header", head, {"id": head.pop("__visit"), "create": "1",
                                "label": head["visit_label"]})
    f1 = checklist([name for _g, name, *_ in F1_ITEMS], visit_id, f1_no)
    f1.update(guards_count="3", access_log_photo="log.jpg")
    send("security_check", f1)
    send("records_audit", checklist([name for name, *_ in F3_ITEMS], visit_id))
    send("crate_count", {"start": START, "depot": "NMY", "visit": visit_id, "lines": [
        {"label_typed": world.crates["ammo"], "label": world.crates["ammo"],
         "crate": world.crate_ids["ammo"], "crate_label": world.crates["ammo"],
         "quantity": "1000", "lot_number": "BG-98-117", "condition": "SERVICEABLE",
         "seal_intact": "yes"}]})
    send("marking_check", {"start": START, "depot": "NMY", "visit": visit_id, "weapons": [
        {"serial_typed": "AK100001", "serial": "AK100001", "manufacturer": "Kalashnikov",
         "model": "AKM", **{name: "yes" for name, *_ in F5_ITEMS}}]})
    send("close_out", {"start": START, "end": END, "depot": "NMY", "visit": visit_id,
                       "findings": [{"finding_item": "fence_intact",
                                     "finding_text": "Hole in the north fence",
                                     "finding_severity": "major",
                                     "finding_action": "Repair the fence",
                                     "finding_owner": str(world.users["commander"]),
                                     "finding_due": due.isoformat()}],
                       "commander": str(world.users["commander"]),
                       "commander_signature": "sig1.png",
                       "commander_at": "2026-11-25T12:50:00.000+01:00",
                       "inspector": str(world.users["inspector"]),
                       "inspector_signature": "sig2.png",
                       "inspector_at": "2026-11-25T12:55:00.000+01:00"})
    return visit_id, sent
