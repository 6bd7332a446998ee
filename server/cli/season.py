"""A season of depot life for the demo, replayed through the real doors: phones fill the
published forms and post them to the OpenRosa door with photo-like JPEGs, two phones push
moves of the same crate (conflicts), counts open discrepancies that reviewers close through
the review API (adjustments approved by a second person), commanders print label sheets."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.sources.visit import F1_ITEMS
from server.cli.phones import Phone, photo
from server.db import utcnow
from server.models import Crate, Depot, User
from server.models.inventory import CrateKind
from sync.journal.trail import SYSTEM
from sync.people import accounts

Progress = Callable[[str, Iterable], Iterable]
WEEKS = 16
# depot: (inspector, second phone's user, who closes, who approves an adjustment)
CREW = {"NMY": ("inspecteur", "commandant", "commandant", "revue"),
        "ZDR": ("inspecteur", "inspecteur", "revue", "admin"),
        "KDN": ("ng_inspector", "ng_inspector", "ng_reviewer", None)}
PRINTER = {"NMY": "commandant"}
POSITIONS = {"NMY": "13.51 2.11 210.0 4.0", "ZDR": "13.80 8.99 460.0 4.0",
             "KDN": "10.52 7.44 610.0 4.0"}
FAILING = ["gates_locked", "lighting_working", "clear_zone", "alarm_log_kept", "patrol_log",
           "fence_intact", "visitors_escorted"]
REMARKS = {"gates_locked": "Portail B ouvert à l'arrivée / Gate B found open",
           "lighting_working": "Deux projecteurs hors service / two floodlights out",
           "clear_zone": "Herbes hautes côté nord / tall grass on the north side",
           "alarm_log_kept": "Registre d'alarme non rempli depuis 3 semaines",
           "patrol_log": "Rondes de nuit non consignées / night rounds not logged",
           "fence_intact": "Grillage coupé près du bâtiment B2 / fence cut near B2",
           "visitors_escorted": "Visiteur seul dans la zone / visitor left alone"}


def replay(session: Session, progress: Progress, *, seed: int = 2026) -> str:
    """Commit what is loaded, then replay the season in a thread of its own, so each request
    gets its own app context and session as it would in a server. Returns a summary."""
    app = current_app._get_current_object()
    session.commit()
    phones = _enroll(session)
    session.commit()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["summary"] = Season(app, phones, seed).play(progress)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="demo-season")
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["summary"]


def _enroll(session: Session) -> dict[tuple[str, int], str]:
    """A token per (user, phone number): inspectors carry two phones, closers one."""
    users = {u.username: u for u in session.scalars(select(User))}
    wanted = {(c[0], 1) for c in CREW.values()} | {(c[1], 2 if c[1] == c[0] else 1)
                                                    for c in CREW.values()}
    wanted |= {(c[2], 1) for c in CREW.values()} | {(c[3], 1) for c in CREW.values() if c[3]}
    now = utcnow()
    return {(name, n): accounts.enroll_device(session, users[name], name=f"Season phone {n}",
                                              actor=SYSTEM, now=now).token
            for name, n in sorted(wanted)}


class Season:
    def __init__(self, app: Flask, tokens: dict[tuple[str, int], str], seed: int) -> None:
        self.app, self.rng = app, random.Random(seed)
        self.client = app.test_client()
        forms: dict[str, Element] = {}
        self.phones = {key: Phone(self.client, token, forms) for key, token in tokens.items()}
        self.counts = {"visits": 0, "photos": 0, "conflicts": 0, "closed": 0, "prints": 0}
        with app.app_context():
            from server.db import db

            self.user_ids = dict(db.session.execute(select(User.username, User.id)).all())

    def phone(self, user: str, n: int = 1) -> Phone:
        return self.phones[(user, n)]

    def play(self, progress: Progress) -> str:
        start = utcnow() - timedelta(weeks=WEEKS)
        weeks = [(week, code) for week in range(WEEKS) for code in CREW]
        for week, code in progress("season", weeks):
            day = start + timedelta(weeks=week, days=self.rng.randrange(5), hours=8)
            if week % 2 == (code == "ZDR"):
                self.security_check(code, day)
            if week % 4 == 3:
                self.count(code, day + timedelta(hours=2))
            if week % 3 == 1:
                self.conflict(code, day + timedelta(hours=3))
            if week % 4 == 0 and week:
                self.review(code)
        for code, user in PRINTER.items():
            self.print_labels(code, user)
        c = self.counts
        return (f"Season replayed: {c['visits']} visits, {c['photos']} photos, "
                f"{c['conflicts']} conflicts, {c['closed']} discrepancies closed, "
                f"{c['prints']} label prints.")

    # --- forms as ODK Collect fills them -------------------------------------------------

    def open_visit(self, phone: Phone, code: str, day: datetime) -> str:
        """F0: the visit header opens the visit (an entity made on the phone) that the
        checklists of the same day name."""
        visit_id, label = str(uuid.uuid4()), f"{code} {day.date().isoformat()}"
        phone.submit(phone.fill("visit_header", {
            "start": day.isoformat(), "end": (day + timedelta(minutes=100)).isoformat(),
            "depot": code, "visit_type": "routine_internal",
            "inspectors": str(self.user_ids[CREW[code][0]]),
            "people_present": "Adj. Issa (magasinier)", "position": POSITIONS[code],
            "visit_label": label}, entity={"id": visit_id, "create": "1", "label": label}), {})
        return visit_id

    def security_check(self, code: str, day: datetime) -> None:
        phone = self.phone(CREW[code][0])
        answers: dict[str, Any] = {
            "start": day.isoformat(), "end": (day + timedelta(minutes=95)).isoformat(),
            "depot": code, "visit": self.open_visit(phone, code, day),
            "guards_count": str(self.rng.randrange(2, 7)),
            "security_plan_date": "2025-03-01", "risk_assessment_date": "2025-04-01",
            "alarm_test_date": (day - timedelta(days=20)).date().isoformat(),
            "last_key_inventory": (day - timedelta(days=35)).date().isoformat()}
        answers.update({name: "yes" for _g, name, *_ in F1_ITEMS})
        files = {"log.jpg": photo(self.rng, 1600, 1200)}
        answers["access_log_photo"] = "log.jpg"
        for item in self.rng.sample(FAILING, self.rng.randrange(0, 3)):
            answers.update({item: "no", f"{item}_comment": REMARKS[item],
                            f"{item}_photo": f"{item}.jpg"})
            files[f"{item}.jpg"] = photo(self.rng, *self.rng.choice(
                [(1600, 1200), (2048, 1536), (3264, 2448)]))
        phone.submit(phone.fill("security_check", answers), files)
        self.counts["visits"] += 1
        self.counts["photos"] += len(files)

    # --- counts, conflicts, review ---------------------------------------------------------

    def crates(self, code: str, kind: CrateKind, n: int) -> list[Crate]:
        from server.db import db  # this thread's app context has its own session

        with self.app.app_context():
            rows = db.session.scalars(
                select(Crate).join(Depot).where(Depot.code == code, Crate.kind == kind)
                .order_by(Crate.label_id)).all()
            picked = self.rng.sample(rows, min(n, len(rows)))
            for crate in picked:
                _ = crate.location.building.code, crate.lot, list(crate.weapons)
                _ = [stack.code for stack in crate.location.building.locations]
            return picked

    def count(self, code: str, day: datetime) -> None:
        """A count of a few crates: most agree with the book, one is short."""
        phone = self.phone(CREW[code][0])
        lines = [self.count_line(c, short=i == 0)
                 for i, c in enumerate(self.crates(code, CrateKind.AMMO_BOX, 4))]
        lines += [self.count_line(c, short=True)
                  for c in self.crates(code, CrateKind.WEAPON_CRATE, 1)]
        answers = {"start": day.isoformat(), "end": (day + timedelta(minutes=50)).isoformat(),
                   "depot": code, "lines": lines}
        phone.submit(phone.fill("crate_count", answers), {})
        self.counts["visits"] += 1

    def count_line(self, crate: Crate, *, short: bool) -> dict[str, Any]:
        line = {"label": crate.label_id, "label_typed": crate.label_id,
                "label_key": crate.label_id.replace("-", ""), "crate": crate.id,
                "crate_label": crate.label_id, "crate_version": str(crate.version),
                "crate_kind": crate.kind.value, "condition": "SERVICEABLE",
                "location_was": f"{crate.location.building.code}/{crate.location.code}",
                "seal_intact": "yes", "seal_number": crate.seal_number or "",
                "moved": "no", "resealed": "no"}
        if crate.kind is CrateKind.WEAPON_CRATE:
            serials = [w.serial for w in crate.weapons]
            line["serials_seen"] = [{"serial_typed": s, "serial": s}
                                    for s in serials[: len(serials) - short]]
        else:
            gap = min(self.rng.randrange(5, 40), crate.quantity) if short else 0
            line["quantity"] = str(crate.quantity - gap)  # a small box may be found empty
            line["lot_number"] = crate.lot.lot_number or "" if crate.lot else ""
        return line

    def conflict(self, code: str, day: datetime) -> None:
        """Two phones move the same crate to two places: the second push is a conflict."""
        first_user, second_user = CREW[code][:2]
        a = self.phone(first_user, 1)
        b = self.phone(second_user, 2 if second_user == first_user else 1)
        crate = self.crates(code, CrateKind.AMMO_BOX, 1)[0]
        building = crate.location.building
        here = f"{building.code}/{crate.location.code}"
        # stacks of the same building: a move never breaks its licence or its mix of groups
        spots = [f"{building.code}/{stack.code}" for stack in building.locations]
        if len(spots) < 3:
            return
        first, second = [s for s in spots if s != here][:2] if self.rng.random() < 0.5 else \
            [s for s in reversed(spots) if s != here][:2]
        for phone, where in ((a, first), (b, second)):
            answer = phone.call("POST", "/api/v1/sync/push", json={
                "batch_id": str(uuid.uuid4()),
                "ops": [phone.op(crate, where, here, day)]}).get_json()
        self.counts["conflicts"] += len(answer["results"][0].get("conflict_ids", []))

    def review(self, code: str) -> None:
        """Close the oldest open discrepancy: with no adjustment, or by an adjustment that a
        second person approves (a consignment short on receipt: found in the second truck);
        resolve one conflict for the master's value."""
        _i, _s, closer, approver = CREW[code]
        phone = self.phone(closer)
        found = [d for d in phone.call("GET", f"/api/v1/discrepancies?depot={code}&status=open"
                                       ).get_json()["items"]
                 if approver or d["kind"] != "transit_shortage"]
        if found:
            item = found[-1]
            observed = item["observed_quantity"]
            gap = observed - item["book_quantity"] if observed is not None else 0
            if item["kind"] == "transit_shortage":
                phone.call("POST", f"/api/v1/discrepancies/{item['id']}/close", json={
                    "outcome": "found",
                    "cause": "Caisses retrouvées dans le second camion du convoi"})
                self.phone(approver).call("POST",
                                          f"/api/v1/discrepancies/{item['id']}/approve")
            elif approver and gap:
                phone.call("POST", f"/api/v1/discrepancies/{item['id']}/close", json={
                    "outcome": "adjust", "adjustment": gap,
                    "cause": "Cartouches utilisées au tir d'entraînement sans bon"})
                self.phone(approver).call("POST",
                                          f"/api/v1/discrepancies/{item['id']}/approve")
            else:
                phone.call("POST", f"/api/v1/discrepancies/{item['id']}/close", json={
                    "outcome": "no_adjustment",
                    "cause": "Recompté avec le chef de dépôt : erreur de saisie"})
            self.counts["closed"] += 1
        conflicts = phone.call("GET", f"/api/v1/conflicts?depot={code}").get_json()["items"]
        if conflicts:
            phone.call("POST", f"/api/v1/conflicts/{conflicts[-1]['id']}/resolve",
                       json={"choose": "server", "reason": "Vérifié sur place"})

    def print_labels(self, code: str, user: str) -> None:
        phone = self.phone(user)
        for lang in ("fr", "en"):
            phone.call("POST", f"/api/v1/depots/{code}/labels/print",
                       json={"layout": "a4-3x8", "building": "B1", "lang": lang})
            self.counts["prints"] += 1
