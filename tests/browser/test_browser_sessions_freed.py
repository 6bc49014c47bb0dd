"""A closed page's driftlab objects are freed: open and close 10 dashboard sessions in Chromium, and
the server's count of live ``Session`` and ``Experiment`` objects comes back to what it was before.

The server (``counting_server.py``) runs the dashboard in its own process and counts the objects
after a full garbage collection; it discards a closed page's session a few seconds after the page
went away, as Bokeh does for any server (later by default).
"""
from __future__ import annotations

import json
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from panel_browser import PanelServer, open_app

SESSIONS = 10
COUNTING_SERVER = Path(__file__).with_name("counting_server.py")


class CountingServer(PanelServer):
    @property
    def command(self) -> list[str]:
        return [sys.executable, str(COUNTING_SERVER), str(self.port)]

    def alive(self) -> dict[str, int]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/live", timeout=60) as response:
            return json.loads(response.read())


@pytest.fixture
def counting_server(tmp_path):
    server = CountingServer(tmp_path / "counting-server.log")
    try:
        server.start()  # its answer to the first GET built one session, never opened in a page
    except RuntimeError as err:
        pytest.fail(f"could not serve the dashboard: {err}", pytrace=False)
    yield server
    server.stop()


def wait_for(condition, timeout: float):
    """``condition()``'s value once it is truthy (polling), or its last value after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(1.0)


def test_closed_sessions_are_freed(counting_server, new_context):
    baseline = wait_for(lambda: counting_server.alive() if counting_server.alive()["Session"] == 0 else None, 120)
    assert baseline == {"Session": 0, "Experiment": 0}, f"the unopened first session was never freed: {baseline}"

    for _ in range(SESSIONS):
        context = new_context()
        page = open_app(context, counting_server)
        page.locator(".dl-run-step button").click()  # the session's stream worker runs once
        expect(page.locator(".dl-run-status")).to_contain_text("1 batches", timeout=90_000)
        context.guard.closing = True
        context.close()
    opened = counting_server.alive()

    after = wait_for(lambda: (alive := counting_server.alive()) == baseline and alive, 120)
    assert after == baseline, (f"after {SESSIONS} sessions were opened and closed, {counting_server.alive()} "
                               f"objects are alive (before: {baseline}; right after closing: {opened})")
