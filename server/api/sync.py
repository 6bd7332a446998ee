"""The JSON sync door: push ops, pull changes, post whole submissions."""

from __future__ import annotations

import hashlib

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer

from server.api import bp
from server.api.schemas.sync import (
    PullArgs,
    PushSchema,
    SubmissionResultSchema,
    SubmissionSchema,
    SyncConfigSchema,
)
from server.auth import device_required
from server.bodies import read_json
from server.db import db, utcnow
from server.errors import AppError, PayloadTooLarge
from server.models import Submission
from sync.engine import changes, ingest
from sync.engine.types import BatchIn
from sync.intake.submissions import (
    AttachmentIn,
    SubmissionIn,
    SubmissionMismatch,
    accept_submission,
    get_submission,
)
from sync.journal.trail import canonical
from sync.photos.links import missing_photos


class InvalidCursor(AppError):
    status, code = 400, "sync.invalid_cursor"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="depotsync.pull.v1")


def sign_cursor(seq: int, after_id: str | None = None) -> str:
    return _serializer().dumps({"d": g.principal.device_id, "s": seq, "a": after_id})


def read_cursor(token: str) -> tuple[int, str | None]:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise InvalidCursor("The cursor is not one this server gave out.") from None
    if not isinstance(data, dict) or data.get("d") != g.principal.device_id:
        raise InvalidCursor("The cursor belongs to another device.")
    return int(data["s"]), data.get("a")


@bp.get("/sync/config")
@device_required
def sync_config():
    cfg = current_app.config
    return SyncConfigSchema().dump({
        "max_ops_per_batch": cfg["SYNC_MAX_OPS"], "max_body_bytes": cfg["SYNC_MAX_BODY_BYTES"],
        "tombstone_horizon_days": cfg["SYNC_HORIZON_DAYS"],
        "pull_max_limit": cfg["SYNC_PULL_MAX"],
        "hold_release_seconds": cfg["SYNC_HOLD_SECONDS"]})


@bp.post("/sync/push")
@device_required
def push():
    body = read_json()
    if isinstance(body, dict) and isinstance(body.get("ops"), list) and len(
            body["ops"]) > current_app.config["SYNC_MAX_OPS"]:
        raise PayloadTooLarge("Too many ops in one batch.", max=current_app.config["SYNC_MAX_OPS"])
    data = PushSchema().load(body)
    since = read_cursor(data["cursor"])[0] if data["cursor"] else None
    batch = BatchIn(batch_id=data["batch_id"], ops=data["ops"], cursor=since,
                    refused=data["refused"])
    result = ingest.apply_batch(db.session, g.principal, batch, now=utcnow())
    cursor = changes.cursor_after_push(db.session, g.principal, since)
    db.session.commit()
    # shaped as PushResultSchema (the OpenAPI reference); built directly, since a
    # 1,000-op answer dumped field by field costs more than applying the ops
    return {"batch_id": result.batch_id, "results": [r.to_json() for r in result.results],
            "released": [r.to_json() for r in result.released],
            "cursor": sign_cursor(cursor) if cursor is not None else None}


@bp.get("/sync/pull")
@device_required
def pull():
    args = PullArgs().load(request.args)
    limit = min(args["limit"] or current_app.config["SYNC_PULL_PAGE"],
                current_app.config["SYNC_PULL_MAX"])
    if args["cursor"]:
        seq, after_id = read_cursor(args["cursor"])
    else:
        seq, after_id = None, None
    snapshot = args["cursor"] is None or after_id is not None
    if snapshot:
        page = changes.pull_snapshot(db.session, g.principal, seq=seq, after_id=after_id,
                                     limit=limit)
    else:
        page = changes.pull_changes(db.session, g.principal, since=seq, limit=limit)
    more = page.more
    return {"crates": page.crates, "lots": {str(k): v for k, v in page.lots.items()},
            "conflicts": page.conflicts, "held_vouchers": page.held_vouchers,
            "snapshot": snapshot,
            "cursor": sign_cursor(page.seq, page.after_id), "more": more}


@bp.post("/submissions")
@device_required
def post_submission():
    data = SubmissionSchema().load(read_json())
    raw = canonical(data)
    sub = SubmissionIn(
        instance_id=data["instance_id"], form_id=data["form_id"],
        form_version=data["form_version"], source="json", raw=raw,
        content_hash=hashlib.sha256(raw.encode()).hexdigest(), answers=data["answers"],
        depot_code=data["depot"], deprecated_id=data["deprecated_id"],
        visit_type=data["visit_type"], started_at=data["started_at"],
        ended_at=data["ended_at"],
        attachments=tuple(AttachmentIn(p["name"], p["question"], p["photo_id"])
                          for p in data["photos"]),
        counts=tuple(data["counts"]), findings=tuple(data["findings"]),
        proposals=tuple(data["proposals"]))
    accepted = accept_submission(db.session, g.principal, sub, now=utcnow())
    db.session.commit()
    if accepted.outcome == "mismatch":
        raise SubmissionMismatch.of(sub.instance_id)
    status = 201 if accepted.outcome == "created" else 200
    return _submission_result(accepted.submission), status


@bp.get("/submissions/<instance_id>")
@device_required
def show_submission(instance_id: str):
    return _submission_result(get_submission(db.session, g.principal, instance_id))


def _submission_result(submission: Submission) -> dict:
    return SubmissionResultSchema().dump({
        "instance_id": submission.instance_id, "status": submission.status.value,
        "problems": submission.problems,
        "missing_photos": [a.name for a in missing_photos(submission)]})
