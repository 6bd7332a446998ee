"""Administration from the shell: demo, users, devices, audit, sync upkeep, forms, uploads.
Each command commits once."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from server.cli import progress_bar
from server.db import db, utcnow
from server.models import BodyKind, Device, Role, User
from server.wiring import openrosa_spool, photo_store, public_url_warning
from sync.journal.chains import one_snapshot, worker_pool
from sync.journal.trail import SYSTEM, verify_audit
from sync.people import accounts
from sync.photos.expiry import expire_uploads
from sync.stock.ledger_verify import verify_ledgers


@click.command()
@with_appcontext
def demo() -> None:
    """Migrate the database, load the demo data once, print logins and a device token."""
    from server.cli import demo as demo_data

    upgrade()
    summary = demo_data.load(db.session, current_app.instance_path, progress=progress_bar,
                             public_url=current_app.config["PUBLIC_URL"].rstrip("/"))
    db.session.commit()
    click.echo(summary)
    _warn_public_url()


def _warn_public_url() -> None:
    warning = public_url_warning()
    if warning:
        click.secho(warning, fg="yellow", err=True)


@click.command("create-body")
@with_appcontext
@click.argument("code")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice([k.value for k in BodyKind]))
def create_body(code, name, kind) -> None:
    """Create a regional body or a programme partner (an organisation of no country)."""
    body = accounts.create_body(db.session, code, name, kind=kind, actor=SYSTEM, now=utcnow())
    db.session.commit()
    click.echo(f"created {body.kind.value} body {body.code} ({body.name})")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--country", "country", default=None, help="ISO 3166 alpha-2 code, e.g. NE")
@click.option("--body", "body", default=None,
              help="Body code for a regional or partner user, e.g. ECOWAS")
@click.option("--depot", "depots", multiple=True, help="Depot code in scope (repeatable)")
@click.option("--password", default=None, help="Asked for when not given")
@click.option("--name", "full_name", default="")
def create_user(username, role, country, body, depots, password, full_name) -> None:
    """Create a user with a role and a country and depot scopes, or a body (regional, partner)."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = accounts.create_user(db.session, username, role=role, country_code=country,
                                body_code=body, depot_codes=depots, password=password,
                                full_name=full_name, actor=SYSTEM, now=utcnow())
    db.session.commit()
    where = user.country_code or user.body.code
    click.echo(f"created {user.role.value} {user.username} ({where})")


@click.command("enroll-device")
@with_appcontext
@click.option("--user", "username", required=True)
@click.option("--name", default="")
@click.option("--json", "as_json", is_flag=True, help='Print {"device_id": …, "token": …}')
@click.option("--collect-qr", "collect_qr", type=click.Path(dir_okay=False, writable=True),
              default=None, help="Write ODK Collect's settings QR code (PNG) to this file")
def enroll_device(username, name, as_json, collect_qr) -> None:
    """Enrol a device for a user and print its token (shown this once only)."""
    from server.collect import collect_qr_png

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    enrolment = accounts.enroll_device(db.session, user, name=name, actor=SYSTEM, now=utcnow())
    db.session.commit()
    if collect_qr:
        png = collect_qr_png(current_app.config["PUBLIC_URL"], enrolment.token,
                             project_name=f"depotsync {user.username}")
        fd = os.open(collect_qr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:  # it holds the token: readable by its owner only
            fh.write(png)
    if as_json:
        click.echo(json.dumps({"device_id": enrolment.device_id, "token": enrolment.token}))
    else:
        base = current_app.config["PUBLIC_URL"].rstrip("/")
        click.echo(f"device {enrolment.device_id}\ntoken  {enrolment.token}\n"
                   f"ODK Collect server URL: {base}/key/{enrolment.token}\n"
                   "(the token is shown once; keep it on the phone only)")
        _warn_public_url()


@click.command("revoke-device")
@with_appcontext
@click.argument("device_id", required=False)
@click.option("--user", "username", default=None, help="Revoke every device of this user")
def revoke_device(device_id, username) -> None:
    """Revoke a device (or all of a user's devices) at once."""
    if username:
        ids = list(db.session.scalars(select(Device.id).join(User).where(
            User.username == username, Device.revoked_at.is_(None))))
    elif device_id:
        ids = [device_id]
    else:
        raise click.UsageError("Give a DEVICE_ID or --user.")
    for one in ids:
        accounts.revoke_device(db.session, one, actor=SYSTEM, now=utcnow())
    db.session.commit()
    click.echo(f"revoked {len(ids)} device(s)")


@click.group(cls=AppGroup)
def audit() -> None:
    """Check the ledger and audit hash chains."""


@audit.command("verify")
@click.option("--workers", type=click.IntRange(1, 64), default=os.cpu_count() or 1,
              show_default="the machine's cores", help="Processes walking chains at once")
def audit_verify(workers: int) -> None:
    """Walk every depot's ledger chain and every audit chain against its stored head, every
    row of each; exit 1 naming what was altered or is missing."""
    one_snapshot(db.session)  # the heads read here and the rows the workers walk agree
    with worker_pool(db.session, workers) as pool:  # one pool for both kinds of chain
        problems = (verify_ledgers(db.session, progress=progress_bar, pool=pool)
                    + verify_audit(db.session, progress=progress_bar, pool=pool))
    for problem in problems[:50]:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    click.echo("ledger and audit chains intact")


@click.group("sync", cls=AppGroup)
def sync_group() -> None:
    """Sync engine maintenance."""


@sync_group.command("release-held")
@click.option("--older-than", "older_than", type=int, default=None,
              help="Seconds an op may wait for its predecessor (default: SYNC_HOLD_SECONDS)")
def release_held(older_than) -> None:
    """Force-apply held ops whose predecessor never came, flagging each for review."""
    from datetime import timedelta

    from sync.engine.ingest import release_held as release

    now = utcnow()
    wait = current_app.config["SYNC_HOLD_SECONDS"] if older_than is None else older_than
    outcomes = release(db.session, older_than=now - timedelta(seconds=wait), now=now)
    db.session.commit()
    for outcome in outcomes:
        click.echo(f"{outcome.op_id}: {outcome.status} (forced)" if outcome.forced
                   else f"{outcome.op_id}: {outcome.status}")
    click.echo(f"released {len(outcomes)} op(s)")


@sync_group.command("compact")
@click.option("--days", type=int, default=None, help="default: SYNC_HORIZON_DAYS")
def compact(days) -> None:
    """Drop change-log rows older than the horizon; phones behind it must refetch."""
    from datetime import timedelta

    from sync.engine.changes import compact_changes

    now = utcnow()
    keep = current_app.config["SYNC_HORIZON_DAYS"] if days is None else days
    removed = compact_changes(db.session, older_than=now - timedelta(days=keep), now=now)
    db.session.commit()
    click.echo(f"removed {removed} change row(s) older than {keep} days")


@click.group("forms", cls=AppGroup)
def forms_group() -> None:
    """Inspection forms (XLSForm) served to ODK Collect."""


@forms_group.command("publish")
@click.option("--country", default=None, help="Publish as this country's own version "
              "(form id <cc>_<base>, e.g. ng_security_check); its phones get it instead of "
              "base.")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
def forms_publish(country, files) -> None:
    """Convert XLSForm files with pyxform and publish them; older versions stay valid."""
    from forms.registry import publish

    for path in files:
        row, created = publish(db.session, path.read_bytes(), actor=SYSTEM, now=utcnow(),
                               source_name=path.name,
                               country=country.upper() if country else None)
        db.session.commit()
        state = "published" if created else "already published"
        click.echo(f"{row.form_id} version {row.version} {state} (md5:{row.md5})")


@forms_group.command("build")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def forms_build(folder) -> None:
    """Write the shipped forms as XLSForm files, to edit and publish as new versions."""
    from forms.sources import SHIPPED
    from forms.xlsform import build_xlsx

    folder.mkdir(parents=True, exist_ok=True)
    for source in SHIPPED:
        (folder / f"{source.form_id}.xlsx").write_bytes(build_xlsx(source))
        click.echo(f"{folder / source.form_id}.xlsx (version {source.version})")


@forms_group.command("list")
def forms_list() -> None:
    """The current version of every published form."""
    from forms.registry import current_versions

    for row in current_versions(db.session):
        click.echo(f"{row.form_id:<22} {row.version:<12} md5:{row.md5}  {row.title}")


@click.group(cls=AppGroup)
def uploads() -> None:
    """Resumable photo uploads."""


@uploads.command("expire")
def uploads_expire() -> None:
    """Remove unfinished uploads past their expiry (they answer 410 from then on) and spool
    files left by crashed workers; print how many and the bytes freed."""
    store = photo_store()
    expired = expire_uploads(db.session, store, now=utcnow(),
                             spools=[openrosa_spool()])
    db.session.commit()
    click.echo(f"expired {expired.uploads} upload(s), freed {expired.bytes_freed} bytes "
               f"({expired.bytes_freed / 1e6:.1f} MB)")


COMMANDS = (demo, create_body, create_user, enroll_device, revoke_device, audit, sync_group,
            forms_group, uploads)
