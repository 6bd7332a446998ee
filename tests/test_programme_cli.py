"""``flask programme …`` run as an operator would: a cascade recorded from the shell (a
regional course, its graduate teaching a national one), an appointment the country ties to a
competence refused then given, works, SOP, a release and its withdrawal; refusals are exit
codes (2 bad input, 3 not found, 4 conflict)."""

from sqlalchemy import select

from server.db import db, utcnow
from server.models import Attendance, Country, IndicatorRelease, StaffMember
from sync.journal.trail import SYSTEM
from sync.people import accounts


def run(runner, *args):
    return runner.invoke(args=["programme", *args, "--as", "admin"])


def test_the_programme_is_recorded_from_the_shell(app, world):
    with app.app_context():
        country = db.session.get(Country, "NE")
        country.settings = {**country.settings,
                            "qualifications": {"appoint.storekeeper": "accountant"}}
        accounts.create_body(db.session, "UNREC", "UNREC", kind="partner", actor=SYSTEM,
                             now=utcnow())
        db.session.commit()
    runner = app.test_cli_runner()
    ids = []
    for name, depot in (("Cne Issa Moussa", "NMY"), ("Adj Aïcha Boubacar", "ZDR")):
        r = run(runner, "staff-add", name, "--depot", depot, "--vetting", "vetted",
                "--vetted-on", "2026-01-05")
        assert r.exit_code == 0, r.output
        ids.append(r.output.split()[1])
    r = run(runner, "course-add", "Comptabilité régionale", "--level", "regional",
            "--competence", "accountant", "--starts", "2026-02-02", "--ends", "2026-02-13",
            "--outside-trainer", "UNREC", "--refresher-months", "24")
    assert r.exit_code == 0, r.output
    regional = r.output.split()[1]
    r = run(runner, "appoint", "--staff", ids[0], "--depot", "NMY", "--post", "storekeeper",
            "--document", "DEC/1", "--on", "2026-03-01")
    assert r.exit_code == 2 and "people.unqualified" in r.output
    r = run(runner, "attend", "--course", regional, "--staff", ids[0], "--score", "81",
            "--passed")
    assert r.exit_code == 0 and "refresher due 2028-02-13" in r.output
    r = run(runner, "course-add", "Comptabilité", "--level", "national", "--competence",
            "accountant", "--starts", "2026-04-06", "--ends", "2026-04-10", "--trainer", ids[0])
    assert r.exit_code == 0, r.output
    r = run(runner, "course-add", "Inspection", "--level", "national", "--competence",
            "inspector", "--starts", "2026-04-06", "--ends", "2026-04-10", "--trainer", ids[0])
    assert r.exit_code == 2 and "people.unqualified" in r.output
    r = run(runner, "appoint", "--staff", ids[0], "--depot", "NMY", "--post", "storekeeper",
            "--document", "DEC/1", "--on", "2026-03-01")
    assert r.exit_code == 0, r.output
    steps = [
        ("works-add", "--depot", "NMY", "--kind", "fence", "--funder", "EU", "--finished",
         "2026-05-01", "--handed-over", "2026-05-10"),
        ("sop-adopt", "--sop", "PON-1", "--version", "1.0", "--on", "2026-01-10", "--by",
         "CNCCAI"),
        ("release", "--body", "unrec", "--period", "2026Q2"),
        ("withdraw", "--body", "UNREC", "--from", "2026Q2"),
    ]
    for step in steps:
        r = run(runner, *step)
        assert r.exit_code == 0, (step, r.output)
    assert run(runner, "release", "--body", "NOPE", "--period", "2026Q2").exit_code == 3
    assert run(runner, "release", "--body", "UNREC", "--period", "2026Q9").exit_code == 2
    assert run(runner, "baseline", "--depot", "NMY").exit_code == 3  # no scored visit
    assert run(runner, "staff-add", "X", "--depot", "KDN").exit_code == 3  # Nigeria's
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Attendance)) == 1
        assert db.session.scalar(select(db.func.count()).select_from(StaffMember)) == 2
        release = db.session.scalar(select(IndicatorRelease))
        assert release.withdrawn_at is not None
