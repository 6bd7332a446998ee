"""The crate a phone pulls is the crate merge compares: both paths give one state."""

from sqlalchemy import select

from server.models import Crate
from sync.engine.crates import crate_state, state_rows
from tests.factories import build_world


def test_pulled_rows_equal_the_merge_state(session):
    build_world(session)
    session.commit()
    crates = list(session.scalars(select(Crate)))
    rows = dict((state["id"], (state, deleted)) for state, deleted in state_rows(session))
    assert len(rows) == len(crates) == 3
    for crate in crates:
        assert rows[crate.id] == (crate_state(crate), False)
