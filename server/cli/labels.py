"""``flask --app wsgi labels …``: print label sheets, reserve blank ranges, relabel, retire.

The same domain functions as the API; the system is the actor. Each command commits once.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile

import click
from flask.cli import AppGroup
from sqlalchemy import select

from server.db import db, utcnow
from server.models import Depot
from server.wiring import label_key
from sync.journal.trail import SYSTEM
from sync.labels import registry as labels
from sync.labels.contents import Selection
from sync.labels.pdf import render_pdf
from sync.labels.printing import PrintOrder, prepare_print
from sync.labels.registry import MAX_RESERVE
from sync.labels.sheets import LANGUAGES, LAYOUTS, get_layout

PROGRESS_FROM = 100  # labels: smaller sheets are drawn in a blink
labels_cli = AppGroup("labels", help="Print label sheets, reserve blank labels, relabel and "
                                     "retire labels.")


def find_depot(code: str) -> Depot:
    """NE-NMY, or NMY when only one country has a depot of that code."""
    country, _, short = code.upper().rpartition("-")
    query = select(Depot).where(Depot.code == short)
    if country:
        query = query.where(Depot.country_code == country)
    depots = list(db.session.scalars(query))
    if len(depots) != 1:
        raise click.ClickException(f"No depot {code}." if not depots else
                                   f"Depot {code} exists in several countries: write "
                                   f"{depots[0].country_code}-{short}.")
    return depots[0]


@labels_cli.command("print")
@click.option("--depot", "depot_code", required=True, help="NE-NMY, or NMY if unambiguous")
@click.option("--all", "all_crates", is_flag=True, help="Every crate in store")
@click.option("--building", help="The crates of one building (or its signs, with --signs)")
@click.option("--crate", "crates", multiple=True, metavar="LABEL", help="Repeatable")
@click.option("--blank", type=click.IntRange(1, MAX_RESERVE), default=None,
              help="Reserve N new blank labels and print them")
@click.option("--range", "reserved", nargs=2, metavar="FIRST LAST", default=None,
              help="The blanks still unused in a reserved range, again")
@click.option("--signs", is_flag=True, help="Stack/location signs instead of crate labels")
@click.option("--layout", required=True, type=click.Choice(sorted(LAYOUTS)))
@click.option("--lang", type=click.Choice(LANGUAGES), default=None,
              help="Default: the country's first language")
@click.option("--skip", type=click.IntRange(min=0), default=0,
              help="Slots already used on the first sheet")
@click.option("--unsigned", is_flag=True, help="QR codes hold the bare label ID")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
def print_labels(depot_code, all_crates, building, crates, blank, reserved, signs, layout,
                 lang, skip, unsigned, out) -> None:
    """Print a PDF label sheet. Every print is recorded; reprints say so on the label."""
    depot = find_depot(depot_code)
    selection = Selection(crates=crates, building=building, all=all_crates, blank=blank or 0,
                          reserved=tuple(reserved) if reserved else None, signs=signs)
    order = PrintOrder(selection=selection, layout=layout, lang=lang, skip=skip,
                       signed=not unsigned)
    job = prepare_print(db.session, depot, order, key=label_key(),
                        actor=SYSTEM, now=utcnow())
    folder = os.path.dirname(os.path.abspath(out))
    fd, part = tempfile.mkstemp(prefix=".labels-", suffix=".pdf", dir=folder)
    bar = (click.progressbar(length=len(job.faces), label="drawing labels", show_pos=True,
                             show_eta=True, file=sys.stderr)
           if len(job.faces) >= PROGRESS_FROM else contextlib.nullcontext())
    try:
        with os.fdopen(fd, "wb") as fh, bar:
            pages = render_pdf(job.faces, get_layout(layout), fh, skip=skip,
                               title=f"{depot.country_code}-{depot.code} labels",
                               progress=getattr(bar, "update", None))
        db.session.commit()  # the print is recorded once the PDF exists
        os.replace(part, out)
    finally:
        if os.path.exists(part):
            os.unlink(part)
    click.echo(f"{len(job.faces)} labels on {pages} page(s), {job.reprints} reprint(s) "
               f"-> {out}")
    if job.skipped:
        click.echo(f"left out {len(job.skipped)} label(s) of the range that are no longer "
                   "blank")


@labels_cli.command("reserve")
@click.option("--depot", "depot_code", required=True)
@click.option("--count", required=True, type=click.IntRange(1, MAX_RESERVE))
def reserve(depot_code, count) -> None:
    """Reserve a range of blank labels for the depot (print them with --range)."""
    depot = find_depot(depot_code)
    ids = labels.reserve_labels(db.session, depot, count, actor=SYSTEM, now=utcnow())
    db.session.commit()
    click.echo(f"reserved {len(ids)} label(s): {ids[0]} .. {ids[-1]}")


@labels_cli.command("relabel")
@click.argument("label")
@click.option("--depot", "depot_code", required=True)
@click.option("--reason", required=True)
@click.option("--new", "new_label", default=None, help="A reserved blank of the depot")
def relabel(label, depot_code, reason, new_label) -> None:
    """Put a new label on a crate; the old one is retired and linked to it."""
    depot = find_depot(depot_code)
    new = labels.relabel_crate(db.session, depot, label, reason=reason,
                               new_label_id=new_label, actor=SYSTEM, now=utcnow())
    db.session.commit()
    click.echo(f"{label} -> {new.label_id} (print it with --crate {new.label_id})")


@labels_cli.command("retire")
@click.argument("label")
@click.option("--depot", "depot_code", required=True)
@click.option("--reason", required=True)
def retire(label, depot_code, reason) -> None:
    """Retire a label: its crate is emptied, or the blank was lost or spoiled."""
    depot = find_depot(depot_code)
    retired = labels.retire_label(db.session, depot, label, reason=reason, actor=SYSTEM,
                                  now=utcnow())
    db.session.commit()
    click.echo(f"retired {retired.label_id}")
