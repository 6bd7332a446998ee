"""Data for the HQ page tests, made the way phones make it: a submission posted to the JSON
door (answers, counts that open a discrepancy, findings, photos), two phones whose edits
conflict; photos are stored as the photo store keeps them (a file named by its sha256)."""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from server.db import db, utcnow
from server.models import Crate, Discrepancy, Submission, User
from server.web import session_key
from tests.conftest import fresh_database, make_app
from tests.factories import PASSWORD, build_world
from tests.http.sync_helpers import Phone, bearer

SCRIPT = "<script>alert(1)</script>"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Seeded:
    submission_id: str = ""  # the inspector's visit at NMY, with a discrepancy and photos
    instance_id: str = ""
    photo_id: str = ""
    missing_photo: str = "seal.jpg"
    conflict_ids: list[str] = field(default_factory=list)
    discrepancy_id: str = ""
    ng_submission_id: str = ""  # a visit in Nigeria, invisible to Niger
    ng_conflict_id: str = ""
    ng_discrepancy_id: str = ""


def jpeg_bytes(color=(180, 40, 40), size=(640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=80)
    return out.getvalue()


def store_photo(app, world, photo_id: str, data: bytes, *, user: str = "inspector",
                instance_id: str | None = None, question: str = "",
                label_id: str | None = None) -> None:
    """A photo arriving from a phone, kept by the photo code (checked, decoded, stored by
    sha256, linked to the submission that waits for it)."""
    from server.models import Device
    from server.storage import PhotoStore
    from sync.photos.records import store_photo_file

    with app.app_context():
        store_photo_file(db.session, PhotoStore(app.config["PHOTO_DIR"]), io.BytesIO(data),
                         photo_id=photo_id, filename=f"{photo_id}.jpg",
                         instance_id=instance_id, question=question, label_id=label_id,
                         device=db.session.get(Device, world.devices[user]), now=utcnow())
        db.session.commit()


def post_visit(client, world, user: str, depot: str, crate_label: str | None, quantity: int,
               *, text: str = "Fence repaired", photos=()) -> dict:
    instance_id = f"uuid:{uuid.uuid4()}"
    body = {
        "instance_id": instance_id, "form_id": "pssm_inspection", "form_version": "2026.1",
        "depot": depot, "visit_type": "routine_internal",
        "started_at": "2026-11-20T08:00:00+00:00", "ended_at": "2026-11-20T11:30:00+00:00",
        "answers": {"f1": {"fence_intact": "yes", "gates_locked": "no",
                           "lighting_working": "na"},
                    "f2": {"extinguishers": "yes", "stack_cards": "yes"},
                    "f7": {"remarks": text, "seal_photo": "seal.jpg"},
                    "door_photo": "door.jpg"},
        "photos": [{"name": name, "photo_id": pid, "question": q} for name, pid, q in photos],
        "counts": [{"crate": crate_label, "quantity": quantity, "seal_intact": True,
                    "lot_number": "BG-98-117"}] if crate_label else [],
        "findings": [{"item": "gates_locked", "section": "F1", "severity": "major",
                      "text": f"Gate B unlocked. {text}"}],
    }
    r = client.post("/api/v1/submissions", json=body, headers=bearer(world, user))
    assert r.status_code == 201, r.get_json()
    return {"instance_id": instance_id}


def make_conflict(app, client, world, crate_id: str,
                  users=("inspector", "commander")) -> str:
    """Two phones move the same crate from where it is to two other places: the first
    applies, the second (whose copy is now stale) becomes a location conflict."""
    with app.app_context():
        crate = db.session.get(Crate, crate_id)
        here = f"{crate.location.building.code}/{crate.location.code}"
        version = crate.version
    first, second = [p for p in ("B1/A1", "B1/A2", "B2/A1", "B2/A2") if p != here][:2]
    a, b = Phone(client, world, users[0]), Phone(client, world, users[1])
    a.push([a.op(crate_id, "patch", {"location": first}, base={"location": here},
                 base_version=version)])
    out = b.push([b.op(crate_id, "patch", {"location": second}, base={"location": here},
                       base_version=version)])
    return out["results"][0]["conflict_ids"][0]


def seed(app, client, world, *, text: str = f"Fence repaired {SCRIPT}") -> Seeded:
    s = Seeded()
    s.photo_id = str(uuid.uuid4())
    visit = post_visit(client, world, "inspector", "NMY", world.crates["ammo"], 940, text=text,
                       photos=[("door.jpg", s.photo_id, "door_photo"),
                               ("seal.jpg", str(uuid.uuid4()), "f7/seal_photo")])
    s.instance_id = visit["instance_id"]
    store_photo(app, world, s.photo_id, jpeg_bytes(), instance_id=s.instance_id,
                question="door_photo")
    ng = post_visit(client, world, "ng_inspector", "KDN", world.crates["ng_ammo"], 499)
    with app.app_context():
        sub = db.session.scalar(select(Submission).where(
            Submission.instance_id == s.instance_id))
        s.submission_id = sub.id
        s.ng_submission_id = db.session.scalar(select(Submission.id).where(
            Submission.instance_id == ng["instance_id"]))
        rifles = db.session.scalar(select(Crate.id).where(
            Crate.label_id == world.crates["rifles"]))
        ng_crate = db.session.scalar(select(Crate.id).where(
            Crate.label_id == world.crates["ng_ammo"]))
    with app.app_context():
        found = {d.crate.label_id: d.id for d in db.session.scalars(select(Discrepancy))}
    s.discrepancy_id = found[world.crates["ammo"]]
    s.ng_discrepancy_id = found[world.crates["ng_ammo"]]
    s.conflict_ids = [make_conflict(app, client, world, rifles) for _ in range(2)]
    s.ng_conflict_id = make_conflict(app, client, world, ng_crate,
                                     users=("ng_inspector", "ng_commander"))
    return s


def seeded_app(migrated, tmp: Path):
    """(app, world, seeded) on a database of its own for a module, filled through the
    doors."""
    app = make_app(fresh_database(migrated, tmp), tmp)
    with app.app_context():
        world = build_world(db.session)
        db.session.commit()
    return app, world, seed(app, app.test_client(), world)


def csrf_from(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    token = csrf_from(client.get("/hq/login").get_data(as_text=True))
    return client.post("/hq/login", data={"username": username, "password": password,
                                          "csrf_token": token})


def as_user(hq, username: str):
    """A test client already signed in as username (its session set as a login sets it),
    for the module's seeded app `hq`."""
    app, client = hq["app"], hq["app"].test_client()
    with app.app_context():
        user = db.session.get(User, hq["world"].users[username])
        uid, key = user.id, session_key(user)
    with client.session_transaction() as session:
        session["uid"], session["key"] = uid, key
    return client


def login_as(client, username: str) -> None:
    """End whoever's session is open, then log in."""
    if client.get("/hq/login").status_code == 302:
        post_form(client, "/hq/logout", {}, page="/hq/inspections")
    assert login(client, username).status_code == 302


def post_form(client, path: str, data: dict, *, page: str = "/hq/inspections"):
    """Post a form as a browser would: with the CSRF token of a page it has open."""
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


@dataclass
class PerRole:
    """Objects of depot NMY, one per acting role, so each role's action meets a fresh one."""

    conflicts: dict[str, str] = field(default_factory=dict)
    open_discrepancies: dict[str, str] = field(default_factory=dict)
    proposed: dict[str, str] = field(default_factory=dict)  # awaiting approval, by commander


def seed_per_role(app, world, roles) -> PerRole:
    from server.models import Depot, User
    from sync.access.principal import Principal
    from sync.stock.discrepancies import close_discrepancy
    from tests.factories import add_ammo_crate

    out, client = PerRole(), app.test_client()
    with app.app_context():
        nmy = db.session.get(Depot, world.depots["NE-NMY"])
        crates = {}
        for role in roles:
            for purpose in ("open", "proposed"):
                name = f"{purpose}-{role}"
                add_ammo_crate(db.session, world, name, nmy, 100, world.lots["ball"],
                               "NE-NMY/B2/A1", "commander")
                crate = db.session.scalar(select(Crate).where(
                    Crate.label_id == world.crates[name]))
                crates[name] = (crate.id, crate.version)
        db.session.commit()
    phone = Phone(client, world)
    for name, (crate_id, version) in crates.items():
        result = phone.push([phone.op(crate_id, "count", {"quantity": 90},
                                      base_version=version)])["results"][0]
        kind, role = name.split("-", 1)
        getattr(out, "open_discrepancies" if kind == "open" else "proposed")[role] = \
            result["discrepancy_ids"][0]
    with app.app_context():
        commander = Principal.of_user(db.session.get(User, world.users["commander"]))
        for discrepancy_id in out.proposed.values():
            close_discrepancy(db.session, commander, discrepancy_id, outcome="adjust",
                              cause="Ten rounds issued on exercise without a voucher",
                              adjustment=-10, now=utcnow())
        rifles = db.session.scalar(select(Crate.id).where(
            Crate.label_id == world.crates["rifles"]))
        db.session.commit()
    for role in roles:
        out.conflicts[role] = make_conflict(app, client, world, rifles)
    return out
