"""Inspections sent by ODK Collect read on the HQ pages with the published form's own
labels and sections (its groups), in the reader's language."""

from __future__ import annotations

import re

from sqlalchemy import select

from forms.sources.visit import F1_ITEMS
from server.db import db
from server.models import Submission
from tests.collect import new_instance_id
from tests.hq_seed import login, post_form

VISIT = {"start": "2026-11-20T08:00:00.000+01:00", "end": "2026-11-20T10:00:00.000+01:00"}


def test_a_collect_checklist_reads_in_the_forms_words(collect, app, client, world):
    answers = {**VISIT, "depot": "NMY", "guards_count": "4",
               "security_plan_date": "2025-03-01", "risk_assessment_date": "2025-04-01",
               "alarm_test_date": "2026-10-01", "last_key_inventory": "2026-09-30",
               "access_log_photo": "log.jpg"}
    for _group, name, *_ in F1_ITEMS:
        answers[name] = "yes"
    answers.update(gates_locked="no", gates_locked_comment="Gate B <i>open</i>",
                   gates_locked_photo="gate.jpg", lighting_working="na")
    iid = new_instance_id()
    assert collect.send(collect.fill("security_check", answers, instance_id=iid)
                        ).status_code == 201
    with app.app_context():
        sub_id = db.session.scalar(select(Submission.id).where(Submission.instance_id == iid))

    login(client, "commander")
    page = client.get(f"/hq/inspections/{sub_id}").get_data(as_text=True)
    assert "Gates are locked" in page and "Perimeter" in page
    assert "Gate B &lt;i&gt;open&lt;/i&gt;" in page
    assert "gate.jpg" in page and "2 photos still missing" in page
    board = client.get("/hq/depots/NMY").get_data(as_text=True)
    perimeter = re.search(r"<td>Perimeter</td><td class=\"num\">(\d+)</td>"
                          r"<td class=\"num\">(\d+)</td><td class=\"num\">(\d+)</td>", board)
    assert perimeter.groups() == ("4", "1", "1")  # fence, clear zone, culverts, signs met
    assert "Gate B" in board  # the finding the "no" made

    post_form(client, "/hq/language", {"language": "fr"})
    page = client.get(f"/hq/inspections/{sub_id}").get_data(as_text=True)
    assert "Les portails sont fermés à clé" in page and "Périmètre" in page
    board = client.get("/hq/depots/NMY").get_data(as_text=True)
    assert "<td>Périmètre</td>" in board and "<td>Clés et serrures</td>" in board
