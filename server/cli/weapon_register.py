"""``flask --app wsgi register …``: search the weapon register by any mark, as a user (who
sees what that user may see), and the tracing section of the national report."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from server.db import db, utcnow
from server.models import User
from sync.access.principal import Principal
from sync.register.search import search_register
from sync.tracing import reports

register_cli = AppGroup("register", help="Search the weapon register; tracing reports.")


def _principal(username: str) -> Principal:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    return Principal.of_user(user)


@register_cli.command("search")
@click.argument("query")
@click.option("--as", "username", required=True, help="Whose view of the register")
@click.option("--limit", type=click.IntRange(1, 200), default=20)
def search(query: str, username: str, limit: int) -> None:
    """Weapons QUERY names (serial, marking, model, maker), best first, with why."""
    matches = search_register(db.session, _principal(username), query, now=utcnow(),
                              limit=limit)
    db.session.commit()  # a lost or stolen weapon found raises its alert
    if not matches:
        click.echo(f"Nothing found for {query!r}.")
    for m in matches:
        why = "; ".join(f"{r.code}{' ' + r.detail if r.detail else ''}" for r in m.reasons)
        click.echo(f"{m.score:>3}  {m.weapon.serial:<20} {m.weapon.manufacturer} "
                   f"{m.weapon.model:<14} {m.depot or '-':<6} {m.weapon.status.value:<10} {why}")


@register_cli.command("tracing-report")
@click.option("--as", "username", required=True)
@click.option("--year", type=click.IntRange(2000, 2100), default=None)
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="A .xlsx or .pdf file")
def tracing_report(username: str, year: int | None, lang: str, out: Path) -> None:
    """The PoA/ITI tracing section and SDG 16.4.2, as XLSX or PDF."""
    now = utcnow()
    figures = reports.tracing_figures(db.session, _principal(username),
                                      year=year or now.year, now=now)
    if out.suffix.lower() not in (".xlsx", ".pdf"):
        raise click.BadParameter("--out ends in .xlsx or .pdf")
    out.write_bytes(reports.as_xlsx(figures, lang) if out.suffix.lower() == ".xlsx"
                    else reports.as_pdf(figures, lang))
    click.echo(f"{out}: {figures.sent} sent, {figures.received} received, SDG 16.4.2 "
               f"{figures.sdg_share if figures.sdg_share is not None else '-'}%")
