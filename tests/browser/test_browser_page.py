"""The served dashboard loads in a browser with nothing fetched from outside and nothing broken."""
import re

import pytest
from playwright.sync_api import expect

from panel_browser import PanelServer

from driftlab import dashboard

pytestmark = pytest.mark.browser

# The hooks dashboard/__init__.py documents for browser tests.
HOOKS = sorted(set(re.findall(r"\bdl-[a-z_-]*[a-z]\b(?!-)", dashboard.__doc__)))


def test_page_loads_offline_and_clean(context, open_page):
    page = open_page(context)
    expect(page).to_have_title("driftlab")
    expect(page.locator(".dl-scenario-about")).to_contain_text("time_series_drift")
    expect(page.locator(".dl-run-status")).to_contain_text("idle")
    guard = context.guard
    assert not guard.external, guard.external
    assert not guard.failed and not guard.bad_status, guard.failed + guard.bad_status
    assert not guard.console_errors and not guard.page_errors, guard.console_errors + guard.page_errors
    assert any("Websocket connection 0 is now open" in line for line in guard.console)


def test_documented_hooks_are_in_the_page(dash):
    assert len(HOOKS) > 20, HOOKS
    counts = dict.fromkeys(HOOKS, 0)
    for tab in ["Run", "Schedule editor", "Tree", "Samples", "Retraining settings"]:  # the shown tab is in the page
        dash.show(tab)
        for hook, n in hook_counts(dash).items():
            counts[hook] += n
    missing = [hook for hook, n in counts.items() if n == 0]
    assert not missing, f"documented in dashboard/__init__.py but not in the page: {missing}"


def hook_counts(dash) -> dict[str, int]:
    return dash.page.evaluate("""hooks => {
        const count = {};
        const walk = (root) => {
          for (const el of root.querySelectorAll('*')) {
            for (const c of el.classList) if (c in count) count[c] += 1;
            if (el.shadowRoot) walk(el.shadowRoot);
          }
        };
        for (const h of hooks) count[h] = 0;
        walk(document);
        return count;
    }""", HOOKS)


def test_a_scenario_that_cannot_be_built_is_said_in_the_page(browser, tmp_path):
    """The page's frame comes first and the views after (dashboard/app.py): a failed build must not
    leave "Loading the scenario …" forever, and its message is text, not markup."""
    scenario = tmp_path / "broken.yaml"
    scenario.write_text("name: broken\ntree: [x]\nparameters:\n  '<img src=x>': {value: 1, scheduler: 2}\n")
    server = PanelServer(tmp_path / "serve.log", extra_args=("--args", str(scenario)))
    server.start()
    try:
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.url)
        failed = page.locator(".dl-build-failed")
        expect(failed).to_contain_text("The dashboard could not be built", timeout=120_000)
        expect(failed).to_contain_text("parameters.<img src=x>.scheduler: unknown key")  # as text
        assert page.locator(".dl-loading").count() == 0
        context.close()
    finally:
        server.stop()
