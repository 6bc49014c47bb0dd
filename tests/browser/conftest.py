"""Fixtures for the browser tests: one ``panel serve dashboard/app.py`` for the whole run, one headless
Chromium, and a fresh guarded browser context (so a fresh server-side session) per test.

Every test fails when, during its call, the page made a request to anything but the local server
(aborted and recorded), a local request failed or answered >= 400, the browser logged a console
error or an uncaught exception, or the server logged a traceback. A failing test's report carries
the server's log for that test and the browser's console.
"""
from __future__ import annotations

import pytest

from dashboard_page import Dashboard
from panel_browser import INSTALL_HINT, PanelServer, RequestGuard, launch_browser, open_app, server_errors

GUARDS = pytest.StashKey[list]()
LOG_START = pytest.StashKey[int]()
VIEWPORT = {"width": 1400, "height": 1000}


@pytest.fixture(scope="session")
def panel_server(tmp_path_factory):
    """The dashboard served on a free local port; stopped by its pid at the end of the run."""
    server = PanelServer(tmp_path_factory.mktemp("panel") / "panel-serve.log")
    try:
        server.start()
    except RuntimeError as err:
        pytest.fail(f"could not serve the dashboard: {err}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright_driver():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(f"Python playwright is not installed: {INSTALL_HINT}", pytrace=False)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver):
    try:
        browser = launch_browser(playwright_driver)
    except Exception as err:  # no chromium, or it cannot start
        pytest.fail(f"could not start Chromium: {err}\n{INSTALL_HINT}", pytrace=False)
    yield browser
    browser.close()


@pytest.fixture
def new_context(request, browser):
    """Makes guarded browser contexts (each page in one gets its own server-side session); closes them."""
    contexts = []
    request.node.stash[GUARDS] = []

    def make(**options):
        context = browser.new_context(**{"viewport": VIEWPORT, "accept_downloads": True, **options})
        context.set_default_timeout(20_000)
        guard = RequestGuard(context)
        context.guard = guard  # tests read what it recorded
        contexts.append((context, guard))
        request.node.stash[GUARDS].append(guard)
        return context

    yield make
    for context, guard in contexts:
        guard.closing = True
        context.close()


@pytest.fixture
def context(new_context):
    return new_context()


@pytest.fixture
def open_page(panel_server):
    """``open_page(context)``: a new page on the dashboard in ``context``, rendered."""
    def open_(context, ready_selector: str | None = None):
        return open_app(context, panel_server, ready_selector)
    return open_


@pytest.fixture
def page(context, open_page):
    return open_page(context)


@pytest.fixture
def dash(page):
    """The dashboard in a fresh page of a fresh context (its own server-side session)."""
    return Dashboard(page)


@pytest.fixture(autouse=True)
def _server_log_mark(request, panel_server):
    request.node.stash[LOG_START] = panel_server.log_size()


def _problems(item) -> list[str]:
    lines = [line for guard in item.stash.get(GUARDS, []) for line in guard.problems()]
    server = item.funcargs.get("panel_server")
    if server is not None and LOG_START in item.stash:
        errors = server_errors(server.log(item.stash[LOG_START]))
        if errors:
            lines.append("the server logged errors during the test:\n" + "\n".join(errors)[-6000:])
    return lines


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield  # a failing test raises here, and keeps its own failure
    problems = _problems(item)
    if problems:
        pytest.fail("the page was not clean:\n  " + "\n  ".join(problems), pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        server = item.funcargs.get("panel_server")
        if server is not None:
            report.sections.append(("panel serve log (this test)", server.log(item.stash.get(LOG_START, 0))[-20000:]))
        for i, guard in enumerate(item.stash.get(GUARDS, [])):
            report.sections.append((f"browser console (context {i})", "\n".join(_collapse(guard.console)[-200:])))
    return report


def _collapse(lines: list[str]) -> list[str]:
    """Runs of one repeated line as that line and a count."""
    out: list[str] = []
    for line in lines:
        if out and out[-1].split("  (x")[0] == line:
            n = int(out[-1].rsplit("(x", 1)[1][:-1]) + 1 if "  (x" in out[-1] else 2
            out[-1] = f"{line}  (x{n})"
        else:
            out.append(line)
    return out
