"""``flask books …``: set a country's books up from the shell (as the system, audited):
agencies, depots, buildings, stacks, makers' aliases, weapon models, item types and lots;
then a depot's opening balance, imported as a named user, and its confirmation."""

from __future__ import annotations

import json
from datetime import UTC

import click
from flask.cli import AppGroup

from server.cli import progress_bar
from server.db import db, utcnow
from server.models import Depot, User
from sync.access.principal import Principal
from sync.journal.trail import SYSTEM
from sync.stock import catalogue, imports, lots, setup


@click.group("books", cls=AppGroup)
def books_cli() -> None:
    """Depot setup and the catalogues."""


def _depot(country: str, code: str) -> Depot:
    depot = db.session.scalar(db.select(Depot).where(Depot.country_code == country.upper(),
                                                     Depot.code == code.upper()))
    if depot is None:
        raise click.ClickException(f"No depot {country.upper()}-{code.upper()}.")
    return depot


def _catalogue_of(command):
    """--catalogue CC: the entry is that country's own; without it, a shared default."""
    return click.option("--catalogue", "country_code", default=None,
                        callback=lambda ctx, param, v: v.upper() if v else None,
                        help="Country whose catalogue holds it (default: shared)")(command)


def _done(message: str) -> None:
    db.session.commit()
    click.echo(message)


@books_cli.command("agency-add")
@click.option("--country", required=True)
@click.option("--code", "marking_code", required=True, help="National marking code")
@click.argument("name")
def agency_add(country, marking_code, name) -> None:
    agency = setup.create_agency(db.session, country_code=country, name=name,
                                 marking_code=marking_code, actor=SYSTEM, now=utcnow())
    _done(f"agency {agency.marking_code} {agency.name}")


@books_cli.command("depot-add")
@click.option("--country", required=True)
@click.option("--code", required=True, help="2-5 letters: the prefix of its label IDs")
@click.option("--name", required=True)
@click.option("--type", "type_", default="central_depot", show_default=True)
@click.option("--agency", default=None, help="Agency marking code")
@click.option("--timezone", default=None)
@click.option("--commander", default="")
def depot_add(country, code, name, type_, agency, timezone, commander) -> None:
    depot = setup.create_depot(db.session, setup.DepotIn(
        country_code=country, code=code, name=name, type=type_, agency_code=agency,
        timezone=timezone, commander_name=commander), actor=SYSTEM, now=utcnow())
    _done(f"depot {depot.country_code}-{depot.code} ({depot.status})")


@books_cli.command("building-add")
@click.option("--country", required=True)
@click.option("--depot", "depot_code", required=True)
@click.option("--code", required=True)
@click.option("--type", "type_", default="storehouse", show_default=True,
              type=click.Choice(setup.BUILDING_TYPES))
@click.option("--ell", "ell", multiple=True, help="HD=kg, e.g. 1.1=500 (repeatable)")
@click.option("--licence", "licence", default="", help="The ELL licence's reference")
@click.option("--cgs", default="", help="Compatibility groups allowed, e.g. CDS")
@click.option("--lightning-test", "lightning_test", type=click.DateTime(["%Y-%m-%d"]),
              default=None, help="Date of the last lightning protection test")
@click.option("--lightning/--no-lightning", default=False)
@click.option("--alarm/--no-alarm", default=False)
@click.option("--lock", "lock_type", default="")
def building_add(country, depot_code, code, type_, ell, licence, cgs, lightning_test, lightning,
                 alarm, lock_type) -> None:
    limits = {}
    for item in ell:
        division, sep, kg = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: write HD=kg, e.g. 1.1=500", param_hint="--ell")
        limits[division.strip()] = kg.strip()
    building = setup.add_building(db.session, _depot(country, depot_code), setup.BuildingIn(
        code=code, type=type_, ell_kg=limits, ell_licence_ref=licence, cgs_allowed=cgs,
        lightning_protection=lightning,
        lightning_test_date=lightning_test and lightning_test.date(), alarm=alarm,
        lock_type=lock_type), actor=SYSTEM, now=utcnow())
    _done(f"building {building.code}: ELL {json.dumps(building.ell_kg)}, "
          f"CGs {building.cgs_allowed or '-'}")


@books_cli.command("location-add")
@click.option("--country", required=True)
@click.option("--depot", "depot_code", required=True)
@click.option("--building", required=True)
@click.argument("codes", nargs=-1, required=True)
def location_add(country, depot_code, building, codes) -> None:
    found = setup.get_building(db.session, _depot(country, depot_code), building)
    for code in codes:
        setup.add_location(db.session, found, code, actor=SYSTEM, now=utcnow())
    _done(f"{len(codes)} stack(s) added to {found.code}")


@books_cli.command("alias-add")
@click.argument("alias")
@click.argument("maker")
@_catalogue_of
def alias_add(alias, maker, country_code) -> None:
    """Make ALIAS another name of MAKER."""
    row = catalogue.add_maker_alias(db.session, alias, maker, actor=SYSTEM, now=utcnow(),
                                    country_code=country_code)
    _done(f"{row.alias} = {row.maker}")


@books_cli.command("model-add")
@click.option("--maker", required=True)
@click.option("--country", required=True, help="Country of manufacture")
@click.option("--type", "type_", required=True)
@click.option("--calibre", required=True)
@click.argument("model")
@_catalogue_of
def model_add(maker, country, type_, calibre, model, country_code) -> None:
    row = catalogue.create_weapon_model(db.session, manufacturer=maker, country=country,
                                        type=type_, model=model, calibre=calibre,
                                        actor=SYSTEM, now=utcnow(), country_code=country_code)
    _done(f"weapon model {row.id}: {row.manufacturer} {row.model} ({row.calibre})")


@books_cli.command("item-add")
@click.option("--nature", required=True)
@click.option("--calibre", required=True)
@click.option("--type", "type_", required=True)
@click.option("--hazard", required=True, help="HD and CG, e.g. 1.4S")
@click.option("--neq", required=True, help="NEQ per item in kg")
@click.option("--un", "un_number", default="")
@_catalogue_of
def item_add(nature, calibre, type_, hazard, neq, un_number, country_code) -> None:
    hazard = hazard.strip()
    row = catalogue.add_item_type(db.session, nature=nature, calibre=calibre, type=type_,
                                  hazard_division=hazard[:-1], compatibility_group=hazard[-1:],
                                  neq_kg=neq, un_number=un_number, actor=SYSTEM, now=utcnow(),
                                  country_code=country_code)
    _done(f"item type {row.id}: {row.calibre} {row.type} {row.hazard_code} UN{row.un_number}")


@books_cli.command("lot-add")
@click.option("--item", "item_type_id", required=True, type=int)
@click.option("--lot", "lot_number", default=None)
@click.option("--state", "lot_state", default="known", show_default=True)
@click.option("--maker", "manufacturer", default="")
@click.option("--country", "country_of_manufacture", default="")
@click.option("--made", "manufacture_date", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--expires", "expiry_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Expiry or next test due")
@_catalogue_of
def lot_add(item_type_id, manufacture_date, expiry_date, **values) -> None:
    lot = lots.add_lot(db.session, item_type_id,
                       manufacture_date=manufacture_date and manufacture_date.date(),
                       expiry_date=expiry_date and expiry_date.date(), actor=SYSTEM,
                       now=utcnow(), **values)
    _done(f"lot {lot.id}: {lot.lot_number or lot.lot_state.value}")


@books_cli.command("lot-suspend")
@click.argument("lot_id", type=int)
@click.option("--reference", required=True)
@click.option("--release", is_flag=True, help="Lift the suspension instead")
@_catalogue_of
def lot_suspend(lot_id, reference, release, country_code) -> None:
    lot = lots.set_lot_suspension(db.session, lot_id, suspended=not release,
                                  reference=reference, actor=SYSTEM, now=utcnow(),
                                  country_code=country_code)
    _done(f"lot {lot.id} {'suspended' if lot.suspended else 'released'} ({reference})")


@books_cli.command("template")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx",
              show_default=True)
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
def template(fmt, out) -> None:
    """Write the empty opening-balance template."""
    with open(out, "wb") as fh:
        fh.write(imports.template(fmt))
    click.echo(f"template written to {out}")


def _principal(username: str) -> Principal:
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    return Principal.of_user(user)


@books_cli.command("import")
@click.option("--country", required=True)
@click.option("--depot", "depot_code", required=True)
@click.option("--as", "username", required=True, help="The user who books it (originator)")
@click.option("--source", required=True, help="The source document, e.g. 'Registre 2025 p.1-40'")
@click.option("--check-only", is_flag=True, help="Check every row and write nothing")
@click.argument("register", type=click.Path(exists=True, dir_okay=False))
def import_register(country, depot_code, username, source, check_only, register) -> None:
    """Import a depot's opening balance (CSV or XLSX in the template's columns). Any bad
    row refuses the whole register, naming every bad row."""
    with open(register, "rb") as fh:
        rows = imports.read_rows(fh.read(), register)
    depot, principal = _depot(country, depot_code), _principal(username)
    if check_only:
        preview = imports.check_register(db.session, depot, rows)
    else:
        try:
            preview = imports.import_register(db.session, principal, depot, rows,
                                              source_document=source, now=utcnow(),
                                              progress=progress_bar)
        except imports.ImportRefused as exc:
            db.session.rollback()
            for row in exc.details["rows"][:200]:
                click.echo(f"row {row['row']}: {row['error']}", err=True)
            raise
    for number, error in preview.errors[:200]:
        click.echo(f"row {number}: {error}", err=True)
    if check_only:
        click.echo(f"{len(rows)} rows checked, {len(preview.errors)} wrong")
        raise SystemExit(1 if preview.errors else 0)
    _done(f"{preview.ammo} ammunition rows and {preview.weapons} weapons booked at "
          f"{depot.country_code}-{depot.code} ({source})")


@books_cli.command("confirm")
@click.option("--country", required=True)
@click.option("--depot", "depot_code", required=True)
@click.option("--as", "username", required=True, help="The approving user")
@click.option("--since", type=click.DateTime(), required=True,
              help="When the opening balance was booked")
def confirm(country, depot_code, username, since) -> None:
    """Put a depot on the books once a 100% count since its opening balance agrees."""
    depot = imports.confirm_on_books(db.session, _principal(username),
                                     _depot(country, depot_code),
                                     since=since.replace(tzinfo=UTC), now=utcnow())
    _done(f"depot {depot.country_code}-{depot.code} is on the books")
