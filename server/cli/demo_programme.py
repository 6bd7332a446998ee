"""The demo's programme, after the season has filled the books and visits: Niger's staff and
a training cascade (two regional trainers' courses, national trainers, depot staff), works at
NMY and ZDR, the national SOP, each depot's baseline (its weakest visit of the season: the
visits after it show the change), and the last two finished quarters released to UNREC,
whose officer logs in as `unrec`."""

from __future__ import annotations

import json
import secrets
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db import utcnow
from server.models import Country, Depot, User, Visit
from sync.access.principal import Principal
from sync.journal.trail import SYSTEM
from sync.people import accounts
from sync.people.courses import CourseIn, add_course, record_attendance
from sync.people.training import StaffIn, add_staff, appoint
from sync.programme.development import WorksIn, add_works, adopt_sop, record_baseline
from sync.programme.indicators import Quarter
from sync.programme.releases import release_indicators

# key, name, rank, depot, login
STAFF = [("revue", "Issoufou Garba", "Colonel", None, "revue"),
         ("commandant", "Moussa Hamani", "Commandant", "NMY", "commandant"),
         ("cdt_zinder", "Aïssata Oumarou", "Capitaine", "ZDR", "cdt_zinder"),
         ("magasinier", "Boubacar Saley", "Adjudant-chef", "NMY", None),
         ("armurier", "Hadiza Souley", "Sergent-chef", "ZDR", None),
         ("gardien", "Ibrahim Maman", "Sergent", "NMY", None)]


def load(session: Session, credentials: Path) -> str:
    """Add the programme to a loaded demo; returns what to print."""
    now = utcnow()
    quarter = Quarter.of(now.date()).previous()  # the last finished quarter
    admin = Principal.of_user(session.scalar(select(User).where(User.username == "admin")))
    country = session.get(Country, "NE")
    country.settings = {**country.settings, "qualifications": {
        "approve.destruction": "supervisor", "appoint.storekeeper": "accountant"}}
    staff = {key: add_staff(session, admin, StaffIn(
        name, rank=rank, agency_code="FAN", depot_code=depot, vetting_status="vetted",
        vetted_on=date(2025, 11, 3), username=login), now=now).id
        for key, name, rank, depot, login in STAFF}
    _cascade(session, admin, staff, quarter, now)
    start = quarter.first_day
    appoint(session, admin, staff["magasinier"], depot_code="NMY", post="storekeeper",
            document_ref="Décision n° 0412/FAN", on=start + timedelta(days=50), now=now)
    for code, kind, funder, days in (("NMY", "fence", "Union européenne", 30),
                                     ("ZDR", "containerised_armoury", "Allemagne (GIZ)", 60)):
        add_works(session, admin, code, WorksIn(
            kind, description="Réhabilitation PSSM", funder=funder, contractor="BTP Sahel",
            started_on=start - timedelta(days=40), finished_on=start + timedelta(days=days),
            handed_over_on=start + timedelta(days=days + 7)), now=now)
    adopt_sop(session, admin, sop_code="PON-GSM-NE", version="1.0",
              adopted_on=start - timedelta(days=120), adopted_by="CNCCAI", now=now)
    adopt_sop(session, admin, sop_code="PON-GSM-NE", version="1.0", depot_code="NMY",
              adopted_on=start + timedelta(days=10), adopted_by="Commandant du dépôt", now=now)
    for depot in session.scalars(select(Depot).where(Depot.country_code == "NE")):
        depot.security_plan_date = start - timedelta(days=200)
        depot.risk_assessment_date = start - timedelta(days=100 if depot.code == "NMY" else 500)
        record_baseline(session, admin, depot.code, visit_id=_weakest_visit(session, depot),
                        now=now)
    accounts.create_body(session, "UNREC", "Centre régional des Nations unies pour la paix et "
                         "le désarmement en Afrique", kind="partner", actor=SYSTEM, now=now)
    password = secrets.token_urlsafe(9)
    accounts.create_user(session, "unrec", role="partner", body_code="UNREC",
                         password=password, full_name="UNREC officer", language="fr",
                         actor=SYSTEM, now=now)
    for period in (quarter.previous(), quarter):
        release_indicators(session, admin, "UNREC", str(period), now=now,
                           challenges="Moyens de transport limités ; rotation du personnel.")
    creds = json.loads(credentials.read_text())
    creds["users"]["unrec"] = {"password": password, "role": "partner", "body": "UNREC"}
    credentials.write_text(json.dumps(creds, indent=2))
    return (f"\nProgramme: {len(STAFF)} staff, a training cascade, works at NMY and ZDR, "
            f"{quarter.previous()} and {quarter} released to UNREC "
            f"(login unrec / {password}).\n")


def _weakest_visit(session: Session, depot: Depot) -> str | None:
    """The demo's baseline: the season's visit with the lowest RRPL (the assessment that
    started the depot's programme), so the visits after it show the change."""
    scored = [v for v in session.scalars(select(Visit).where(Visit.depot_id == depot.id)
                                         .order_by(Visit.started_at)) if v.score]
    return min(scored, key=lambda v: v.score["rrpl"]).id if scored else None


def _cascade(session: Session, admin: Principal, staff: dict[str, int], quarter: Quarter,
             now) -> None:
    """Regional trainers' courses the quarter before, national trainers teaching in it."""
    before, start = quarter.previous().first_day, quarter.first_day
    courses = [
        (CourseIn("regional", "Formation régionale de formateurs PSSM (IATG/MOSAIC)", before,
                  before + timedelta(days=11), "supervisor", place="Lomé", organiser="UNREC",
                  refresher_months=24, outside_trainers=("Experts UNREC",)),
         ("revue", "commandant")),
        (CourseIn("regional", "Formation régionale d'inspecteurs de dépôts", before
                  + timedelta(days=30), before + timedelta(days=39), "inspector",
                  place="Bamako", organiser="UNREC", refresher_months=24,
                  outside_trainers=("Experts UNREC", "MAG")), ("revue",)),
        (CourseIn("national", "Gestion des stocks d'armes et de munitions", start
                  + timedelta(days=14), start + timedelta(days=23), "supervisor",
                  place="Niamey", organiser="CNCCAI", refresher_months=24,
                  trainer_ids=(staff["revue"], staff["commandant"])),
         ("cdt_zinder", "magasinier")),
    ]
    for data, passed in courses:
        course = add_course(session, admin, data, now=now)
        for key in passed:
            record_attendance(session, admin, course.id, staff[key], score=82, passed=True,
                              now=now)
    depot = add_course(session, admin, CourseIn(
        "depot", "Tenue des registres et des bons", start + timedelta(days=40),
        start + timedelta(days=42), "supervisor", place="Zinder", refresher_months=12,
        trainer_ids=(staff["cdt_zinder"],)), now=now)
    for key, passed in (("armurier", True), ("gardien", False)):
        record_attendance(session, admin, depot.id, staff[key], score=75 if passed else 45,
                          passed=passed, now=now)
    accounting = add_course(session, admin, CourseIn(
        "national", "Comptabilité des stocks", start + timedelta(days=26),
        start + timedelta(days=30), "accountant", place="Niamey", organiser="CNCCAI",
        outside_trainers=("Expert MAG",)), now=now)
    record_attendance(session, admin, accounting.id, staff["magasinier"], score=88,
                      passed=True, now=now)
