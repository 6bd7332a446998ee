"""What the domain tests share: the small world, built and committed in the test's own
session (a module that needs more of it defines its own ``w``)."""

from __future__ import annotations

import pytest

from tests.factories import build_world


@pytest.fixture
def w(session):
    world = build_world(session)
    session.commit()
    return world
