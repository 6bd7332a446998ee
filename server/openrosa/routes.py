"""The OpenRosa 1.0 door at /key/<device token>/ for ODK Collect: form list, forms, manifests
with the crate entity list, and submissions. The token in the path is the device's bearer
token (the "server URL" Collect is configured with). Every response, errors included,
carries the OpenRosa headers; errors use the OpenRosaResponse envelope.
"""

from __future__ import annotations

import hashlib
import logging
import re

from flask import Blueprint, Response, current_app, g, request, url_for
from werkzeug.http import http_date

from forms.instance import InvalidXml
from forms.registry import MEDIA, current_version, current_versions, readable_by, spec_of
from server import wiring
from server.auth import load_device
from server.db import db, utcnow
from server.error_handlers import renderer_for
from server.errors import AppError, NotFound
from server.openrosa import documents as openrosa_xml
from server.openrosa.documents import FormEntry, MediaEntry
from server.openrosa.multipart import Limits, spooled_parts
from sync.intake.entity_list import MAX_IDS, deleted_states, media_file
from sync.intake.openrosa import Received, Upload, receive_submission
from sync.intake.submissions import SubmissionMismatch

PREFIX = "/key/"
XML = "text/xml; charset=utf-8"
CSV = "text/csv; charset=utf-8"
SERVERS_WRITING_DATE = ("gunicorn/", "Werkzeug/")
TOKEN_IN_PATH = re.compile(r"(/key/)[^/\s?\"]+")
bp = Blueprint("openrosa", __name__, url_prefix="/key/<token>")


class HideTokens(logging.Filter):
    """Access logs write request paths, and this door's path holds the device token: mask
    it, so a log is never a list of working tokens (they are stored hashed for a reason)."""

    def filter(self, record: logging.LogRecord) -> bool:
        def hide(value):
            return TOKEN_IN_PATH.sub(r"\1***", value) if isinstance(value, str) else value
        record.msg = hide(record.msg)
        if isinstance(record.args, dict):  # gunicorn's access log atoms
            record.args = {k: hide(v) for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(hide(a) for a in record.args)
        return True


@bp.record_once
def hide_tokens_in_access_logs(_state) -> None:
    for name in ("werkzeug", "gunicorn.access"):
        logging.getLogger(name).addFilter(HideTokens())


class NoSubmissionXml(AppError):
    status, code = 400, "openrosa.no_xml"


class TooManyIds(AppError):
    status, code = 400, "openrosa.too_many_ids"


@renderer_for(PREFIX)
def render_error(status: int, code: str, message: str, _details) -> Response:
    response = Response(openrosa_xml.message(message, "error"), status=status, content_type=XML)
    response.headers["X-Depotsync-Error"] = code
    return response


@bp.after_app_request
def openrosa_headers(response: Response) -> Response:
    if request.path.startswith(PREFIX):
        response.headers["X-OpenRosa-Version"] = "1.0"
        response.headers["X-OpenRosa-Accept-Content-Length"] = str(
            current_app.config["OPENROSA_ACCEPT_CONTENT_LENGTH"])
        # gunicorn and werkzeug's server always write a Date header of their own (a second
        # one would break RFC 9110); for any other server, and the test client, we write it
        if not request.environ.get("SERVER_SOFTWARE", "").startswith(SERVERS_WRITING_DATE):
            response.headers["Date"] = http_date(utcnow())
    return response


@bp.url_value_preprocessor
def authenticate(_endpoint, values) -> None:
    """Every route of the door: a device whose user may submit. Collect is for collecting;
    a country-wide reviewer's phone would download every crate of the country for nothing."""
    g.token = values.pop("token", "")
    load_device(g.token).require("sync.push")  # unknown or revoked: 401; not a submitter: 403


@bp.url_defaults
def add_token(_endpoint, values) -> None:
    values.setdefault("token", g.get("token"))


def _xml(body: bytes, status: int = 200) -> Response:
    return Response(body, status=status, content_type=XML)


def _conditional(body: bytes, content_type: str) -> Response:
    response = Response(body, content_type=content_type)
    response.set_etag(hashlib.md5(body).hexdigest())
    return response.make_conditional(request)


@bp.get("/formList")
def form_list() -> Response:
    wanted = request.args.get("formID")
    entries = [FormEntry(
        form_id=row.form_id, name=row.title, version=row.version, md5=row.md5,
        download_url=url_for(".form_xml", form_id=row.form_id, _external=True),
        manifest_url=url_for(".form_manifest", form_id=row.form_id, _external=True)
        if row.spec["media"] else None)
        for row in readable_by(current_versions(db.session, g.principal.country_code),
                               request.headers.get("User-Agent", ""))
        if wanted in (None, row.form_id)]
    return _xml(openrosa_xml.form_list(entries))


def _current(form_id: str):
    row = current_version(db.session, form_id, g.principal.country_code)
    if row is None:
        raise NotFound(f"No form {form_id!r}.", form_id=form_id)
    return row


@bp.get("/forms/<form_id>.xml")
def form_xml(form_id: str) -> Response:
    return _conditional(_current(form_id).xml.encode(), XML)


@bp.get("/forms/<form_id>/manifest")
def form_manifest(form_id: str) -> Response:
    spec = spec_of(_current(form_id))
    entries = []
    for name in spec.media:
        body = media_file(db.session, g.principal, name)
        entries.append(MediaEntry(
            filename=name, md5=hashlib.md5(body).hexdigest(),
            download_url=url_for(".form_media", form_id=form_id, filename=name,
                                 _external=True),
            integrity_url=url_for(".integrity", dataset=name.removesuffix(".csv"),
                                  _external=True) if MEDIA[name] == "entity" else None))
    return _xml(openrosa_xml.manifest(entries))


@bp.get("/forms/<form_id>/attachments/<filename>")
def form_media(form_id: str, filename: str) -> Response:
    if filename not in spec_of(_current(form_id)).media:
        raise NotFound(f"Form {form_id!r} has no file {filename!r}.")
    return _conditional(media_file(db.session, g.principal, filename), CSV)


@bp.get("/datasets/<dataset>/integrity")
def integrity(dataset: str) -> Response:
    if f"{dataset}.csv" not in MEDIA or MEDIA[f"{dataset}.csv"] != "entity":
        raise NotFound(f"No entity list {dataset!r}.")
    ids = [i for i in request.args.get("id", "").split(",") if i.strip()]
    if len(ids) > MAX_IDS:
        raise TooManyIds(f"Ask about at most {MAX_IDS} entities at once.", limit=MAX_IDS)
    return _xml(openrosa_xml.integrity(deleted_states(db.session, g.principal, ids, dataset)))


@bp.route("/submission", methods=["HEAD", "POST"])
def submission() -> Response:
    if request.method == "HEAD":
        return Response(status=204)
    cfg = current_app.config
    limits = Limits(body=cfg["OPENROSA_MAX_BODY_BYTES"], part=cfg["OPENROSA_MAX_BODY_BYTES"])
    with spooled_parts(request.environ, wiring.openrosa_spool(), limits) as parts:
        upload = _upload(parts, cfg["OPENROSA_MAX_XML_BYTES"])
        received = receive_submission(db.session, g.principal, upload,
                                      keep_photo=wiring.photo_keeper(),
                                      label_key=wiring.label_key(), now=utcnow())
        db.session.commit()
    if received.outcome == "mismatch":
        raise SubmissionMismatch.of(received.instance_id)
    return _xml(openrosa_xml.message(_receipt(received), "submit_success"), 201)


def _upload(parts, max_xml: int) -> Upload:
    path = parts.files.get("xml_submission_file")
    if path is not None:
        if parts.sizes["xml_submission_file"] > max_xml:
            raise InvalidXml(f"The submission XML is over {max_xml} bytes.", limit=max_xml)
        xml = path.read_bytes()
    elif "xml_submission_file" in parts.fields:
        xml = parts.fields["xml_submission_file"].encode()
    else:
        raise NoSubmissionXml("The body has no xml_submission_file part.")
    files = {k: v for k, v in parts.files.items() if v != path}
    return Upload(xml=xml, files=files,
                  incomplete=parts.fields.get("*isIncomplete*", "").lower() == "yes")


def _receipt(received: Received) -> str:
    waiting = [a.name for a in received.submission.attachments if a.photo_id is None]
    text = ("Submission received." if received.outcome == "created"
            else "Submission already received.")
    if received.stored:
        text += f" {len(received.stored)} photo(s) stored."
    if waiting:
        text += f" {len(waiting)} photo(s) still expected."
    return text
