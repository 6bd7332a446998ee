"""A hand-built programme data set with known answers, on top of build_world: two Niger
depots of two agencies (NMY: army, ZDR: gendarmerie) through 2026, and one Nigerian loss that
must never count for Niger. The figures each indicator must give are in
tests/domain/test_programme_indicators.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from server.db import db
from server.models import Agency, Depot, Finding, StockCheck, StockCheckLine, User, Visit
from sync.access.principal import Principal
from sync.people.courses import CourseIn, add_course, record_attendance
from sync.people.training import StaffIn, add_staff
from sync.programme.development import WorksIn, add_works, adopt_sop, record_baseline
from sync.stock.ledger import LineIn, Voucher, post_movement
from tests.factories import World, add_user

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC)


@dataclass
class Programme:
    agencies: dict[str, int] = field(default_factory=dict)  # marking code -> id
    staff: dict[str, int] = field(default_factory=dict)  # S1.. -> id
    courses: dict[str, int] = field(default_factory=dict)  # C1.. -> id


def principal(session: Session, world: World, username: str) -> Principal:
    return Principal.of_user(session.get(User, world.users[username]))


def build_programme(session: Session, world: World) -> Programme:
    p = Programme()
    admin = principal(session, world, "admin")
    nmy, zdr = (session.get(Depot, world.depots[k]) for k in ("NE-NMY", "NE-ZDR"))
    for code, name, depot in (("FAN", "Forces armées nigériennes", nmy),
                              ("GN", "Gendarmerie nationale", zdr)):
        agency = Agency(country_code="NE", name=name, marking_code=code)
        session.add(agency)
        session.flush()
        depot.agency_id = p.agencies[code] = agency.id
    nmy.security_plan_date, nmy.risk_assessment_date = date(2026, 3, 1), date(2026, 5, 1)
    zdr.security_plan_date, zdr.risk_assessment_date = date(2025, 6, 1), date(2026, 1, 1)
    _visits(session, world, admin)
    _books(session, world)
    _training(session, admin, p)
    add_works(session, admin, "NMY", WorksIn("fence", funder="EU", contractor="BTP Sahel",
                                             started_on=date(2026, 6, 1),
                                             finished_on=date(2026, 8, 20),
                                             handed_over_on=date(2026, 8, 30)), now=NOW)
    add_works(session, admin, "NMY", WorksIn("racks", finished_on=date(2026, 1, 20),
                                             handed_over_on=date(2026, 2, 1)), now=NOW)
    add_works(session, admin, "ZDR", WorksIn("doors", finished_on=date(2026, 9, 1)), now=NOW)
    adopt_sop(session, admin, sop_code="SOP-PSSM", version="1.0", adopted_on=date(2026, 4, 10),
              adopted_by="CNCCAI", now=NOW)
    for code, day in (("NMY", date(2026, 9, 1)), ("ZDR", date(2026, 10, 10))):
        adopt_sop(session, admin, sop_code="SOP-PSSM", version="1.0", adopted_on=day,
                  adopted_by="Commandant", depot_code=code, now=NOW)
    session.flush()
    return p


def _visits(session: Session, world: World, admin: Principal) -> None:
    nmy, zdr = world.depots["NE-NMY"], world.depots["NE-ZDR"]
    for vid, depot, day, rrpl in (("V1", nmy, "2026-02-10", 0), ("V2", nmy, "2026-08-15", 2),
                                  ("V3", nmy, "2026-10-20", 3), ("V4", zdr, "2026-03-05", 1)):
        session.add(Visit(id=vid, depot_id=depot, started_at=at(day),
                          score={"rrpl": rrpl, "levels": []}))
    for fid, depot, visit, severity, due, closed in (
            ("F1", nmy, "V1", "critical", "2026-08-01", "2026-07-30"),
            ("F2", nmy, "V1", "major", "2026-09-01", "2026-09-10"),
            ("F3", zdr, "V4", "minor", "2026-09-15", None),
            ("F4", nmy, "V2", "minor", "2026-10-05", None)):
        session.add(Finding(id=fid, depot_id=depot, visit_id=visit, severity=severity,
                            due_date=at(due), closed_at=closed and at(closed),
                            status="closed" if closed else "planned"))
    session.flush()
    record_baseline(session, admin, "NMY", now=NOW)
    record_baseline(session, admin, "ZDR", now=NOW)


def _books(session: Session, world: World) -> None:
    nmy, zdr = world.depots["NE-NMY"], world.depots["NE-ZDR"]
    ammo = world.crate_ids["ammo"]
    team = [world.users["commander"], world.users["reviewer"]]
    for sid, depot, status, day, results in (
            ("SC1", nmy, "done", "2026-08-20", ["match", "match", "short", "over", "missed"]),
            ("SC2", zdr, "done", "2026-09-02", ["match", "match"]),
            ("SC3", nmy, "planned", None, ["short"])):
        check = StockCheck(id=sid, depot_id=depot, kind="full", team_ids=team,
                           independent_id=team[1], planned_for=date(2026, 8, 1), status=status,
                           completed_at=day and at(day))
        session.add(check)
        session.flush()
        for result in results:
            session.add(StockCheckLine(check_id=sid, crate_id=ammo, expected=10,
                                       counted=None if result == "missed" else 10,
                                       result=result))
    commander, reviewer = world.users["commander"], world.users["reviewer"]
    witnesses = ("Sgt Abdou", "Lt Mariama")
    for mtype, day, lines in (
            ("destruction", "2026-07-10", [LineIn(crate_id=ammo, lot_id=world.lots["ball"],
                                                 quantity=100)]),
            ("loss", "2026-08-05", [LineIn(crate_id=ammo, lot_id=world.lots["ball"],
                                           quantity=10)]),
            ("theft", "2026-09-20", [LineIn(weapon_id=world.weapons["AK100001"])]),
            ("marking", "2026-08-10", [LineIn(weapon_id=world.weapons["AK100002"],
                                              details={"marking": {
                                                  "country": "NE", "agency": "FAN",
                                                  "date": "2026", "number": "000001"}})])):
        post_movement(session, depot_id=nmy, type=mtype, lines=lines, originator_id=commander,
                      approver_id=reviewer, witnesses=witnesses, occurred_at=at(day), now=NOW,
                      document_ref="ORD-1", voucher=Voucher(certificate_ref="CERT-1"))
    add_user(session, world, "ng_admin", "admin", "NG", device=False)
    post_movement(session, depot_id=world.depots["NG-KDN"], type="loss",
                  lines=[LineIn(crate_id=world.crate_ids["ng_ammo"], lot_id=world.lots["ball"],
                                quantity=5)],
                  originator_id=world.users["ng_commander"], approver_id=world.users["ng_admin"],
                  occurred_at=at("2026-08-05"), now=NOW, document_ref="NG-1")


def _training(session: Session, admin: Principal, p: Programme) -> None:
    for key, name, depot, agency in (("S1", "Cne Issa Moussa", "NMY", "FAN"),
                                     ("S2", "Adj Aïcha Boubacar", "NMY", "FAN"),
                                     ("S3", "MdL Ousmane Hamani", "ZDR", "GN"),
                                     ("S4", "Gdm Fatouma Ali", "ZDR", "GN")):
        p.staff[key] = add_staff(session, admin, StaffIn(
            name, rank=name.split()[0], agency_code=agency, depot_code=depot,
            vetting_status="vetted", vetted_on=date(2025, 12, 1)), now=NOW).id
    courses = (
        ("C1", CourseIn("regional", "Formation de formateurs PSSM", date(2026, 2, 9),
                        date(2026, 2, 20), "supervisor", place="Lomé", organiser="UNREC",
                        refresher_months=12, outside_trainers=("UNREC expert",)), {"S1": True}),
        ("C2", CourseIn("national", "Gestion des stocks", date(2026, 8, 3), date(2026, 8, 12),
                        "supervisor", place="Niamey", trainer_ids=(p.staff["S1"],)),
         {"S2": True, "S3": True, "S4": False}),
        ("C3", CourseIn("national", "Opérateur de dépôt", date(2026, 7, 1), date(2026, 7, 5),
                        "operator", refresher_months=1, outside_trainers=("Expert MAG",)),
         {"S2": True}),
    )
    for key, data, results in courses:
        p.courses[key] = course = add_course(session, admin, data, now=NOW).id
        for staff, passed in results.items():
            record_attendance(session, admin, course, p.staff[staff], passed=passed,
                              score=80 if passed else 40, now=NOW)


def seeded_programme(migrated, tmp):
    """(app, world, programme) on a database of its own, committed once."""
    from tests.conftest import fresh_database, make_app
    from tests.factories import build_world

    app = make_app(fresh_database(migrated, tmp), tmp)
    with app.app_context():
        world = build_world(db.session)
        programme = build_programme(db.session, world)
        db.session.commit()
    return app, world, programme


def module_data(migrated, tmp_path_factory):
    """A module's fixture `seeded`: the data set built once for the module."""
    app, world, programme = seeded_programme(migrated, tmp_path_factory.mktemp("programme"))
    yield app, world, programme
    with app.app_context():
        db.engine.dispose()


def rolled_back(seeded):
    """A module's fixture `session`: the module's data set; whatever a test writes is rolled
    back after it."""
    with seeded[0].app_context():
        yield db.session
        db.session.rollback()
