"""Labels: what a scanned label is (any reader in scope), and for commanders of a depot
(permission labels.print): reserve blank ranges, print sheets as PDF, relabel, retire."""

from __future__ import annotations

import io

from flask import current_app, g, request, send_file
from sqlalchemy import select

from server.api import bp
from server.api.schemas.labels import (
    LabelListArgs,
    LabelSchema,
    LookupSchema,
    PrintIn,
    RelabelIn,
    ReserveIn,
    RetireIn,
)
from server.auth import device_required
from server.bodies import read_json
from server.db import db, utcnow
from server.models import Label
from server.wiring import label_key
from sync.access import scope as access
from sync.journal.trail import Actor
from sync.labels import printing as labelprint
from sync.labels import registry as labels
from sync.labels import scan as labelscan
from sync.labels.pdf import render_pdf
from sync.labels.sheets import get_layout

PERMISSION = "labels.print"


def actor() -> Actor:
    return Actor.of(g.principal)


@bp.get("/labels/<path:value>")
@device_required
def look_up_label(value: str):
    answer = labelscan.look_up_label(db.session, value, key=label_key(),
                                  reader=g.principal)
    return LookupSchema().dump(answer)


@bp.get("/depots/<code>/labels")
@device_required
def list_labels(code: str):
    args = LabelListArgs().load(request.args)
    depot = access.get_depot(db.session, g.principal, code, PERMISSION)
    limit = min(args["limit"] or current_app.config["API_PAGE_SIZE"],
                current_app.config["API_MAX_PAGE_SIZE"])
    query = select(Label).where(Label.depot_id == depot.id).order_by(Label.label_id)
    if args["status"]:
        query = query.where(Label.status == args["status"])
    if args["after"]:
        query = query.where(Label.label_id > args["after"])
    rows = list(db.session.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": LabelSchema(many=True).dump(rows),
            "next": rows[-1].label_id if more else None}


@bp.post("/depots/<code>/labels/reserve")
@device_required
def reserve_labels(code: str):
    count = ReserveIn().load(read_json())["count"]
    depot = access.get_depot(db.session, g.principal, code, PERMISSION)
    ids = labels.reserve_labels(db.session, depot, count, actor=actor(), now=utcnow())
    db.session.commit()
    return {"depot": depot.code, "count": len(ids), "first": ids[0], "last": ids[-1],
            "labels": ids}, 201


@bp.post("/depots/<code>/labels/print")
@device_required
def print_labels(code: str):
    order = PrintIn().load(read_json())
    depot = access.get_depot(db.session, g.principal, code, PERMISSION)
    job = labelprint.prepare_print(db.session, depot, order, key=label_key(),
                                   actor=actor(), now=utcnow(),
                                   limit=current_app.config.get("LABELS_MAX_PER_PDF", 2000))
    pdf = io.BytesIO()
    render_pdf(job.faces, get_layout(order.layout), pdf, skip=order.skip,
               title=f"{depot.country_code}-{depot.code} labels")
    db.session.commit()
    pdf.seek(0)
    response = send_file(pdf, mimetype="application/pdf", as_attachment=True,
                         download_name=f"labels-{depot.country_code}-{depot.code}-"
                                       f"{job.job_id[:8]}.pdf")
    response.headers.update({"Cache-Control": "no-store", "X-Print-Job": job.job_id,
                             "X-Labels-Count": str(len(job.faces)),
                             "X-Labels-Reprints": str(job.reprints),
                             "X-Labels-Skipped": str(len(job.skipped))})
    return response


@bp.post("/depots/<code>/labels/<label_id>/relabel")
@device_required
def relabel_crate(code: str, label_id: str):
    data = RelabelIn().load(read_json())
    depot = access.get_depot(db.session, g.principal, code, PERMISSION)
    label = labels.relabel_crate(db.session, depot, label_id,
                                 reason=data["reason"], new_label_id=data["new_label"],
                                 actor=actor(), now=utcnow())
    db.session.commit()
    return LabelSchema().dump(label)


@bp.post("/depots/<code>/labels/<label_id>/retire")
@device_required
def retire_label(code: str, label_id: str):
    data = RetireIn().load(read_json())
    depot = access.get_depot(db.session, g.principal, code, PERMISSION)
    label = labels.retire_label(db.session, depot, label_id, reason=data["reason"],
                                actor=actor(), now=utcnow())
    db.session.commit()
    return LabelSchema().dump(label)
