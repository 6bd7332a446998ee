"""Browser tests: headless Debian Chromium (never a downloaded browser) driven by Playwright,
against a live server thread whose database was filled the way phones fill it. One browser
for the session, one server and one database per module. A missing Chromium fails the run."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from server.db import db
from tests.factories import World
from tests.hq_seed import Seeded, post_visit, seeded_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@dataclass
class Live:
    url: str
    app: object
    world: World
    seeded: Seeded


@pytest.fixture(scope="module")
def live(migrated, tmp_path_factory):
    app, world, seeded = seeded_app(migrated, tmp_path_factory.mktemp("live"))
    post_visit(app.test_client(), world, "zdr_inspector", "ZDR", None, 0)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Live(f"http://127.0.0.1:{server.server_port}", app, world, seeded)
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Dialogs(list):
    """Every alert/confirm/prompt a page opened: a script from a phone would show up here."""


@pytest.fixture
def open_page(browser, live):
    """open_page(user) -> a logged-in page in a fresh context (cookies of its own)."""
    contexts, console_errors = [], []

    def opener(username: str | None = "reviewer", locale: str = "en-GB"):
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900},
                                      accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.dialogs = Dialogs()
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
        page.set_default_timeout(15_000)
        if username:
            log_in(page, live.url, username)
        return page

    yield opener
    for context in contexts:
        context.close()
    # a page that needed something the Content-Security-Policy refuses would say so here
    assert [e for e in console_errors if "Content Security Policy" in e] == []


def log_in(page, url: str, username: str) -> None:
    from tests.factories import PASSWORD

    page.goto(f"{url}/hq/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/hq/login" not in u)


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
