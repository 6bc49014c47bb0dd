"""A page load and a short run log no "could not set initial ranges" warning: every plot has finite
ranges from its first paint, empty or not."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

RANGE_WARNING = "could not set initial ranges"

# The titles of the plots in the page whose x or y range is not finite (what Bokeh warns about).
UNSET_RANGES_JS = """() => {
  const unset = [];
  for (const doc of Bokeh.documents) for (const m of doc.all_models) {
    if (m.x_range === undefined || m.renderers === undefined) continue;
    const bad = [m.x_range, m.y_range].some(r => r.start === undefined || !Number.isFinite(r.start + r.end));
    if (bad) unset.push(m.title ? m.title.text : m.id);
  }
  return unset;
}"""


def test_page_load_and_a_short_run_log_no_range_warnings(dash):
    page = dash.page
    unset_at_load = page.evaluate(UNSET_RANGES_JS)
    page.locator(".dl-run-step button").click()
    expect(page.locator(".dl-run-status")).to_contain_text("1 batches", timeout=180_000)
    page.locator(".dl-run-step button").click()
    expect(page.locator(".dl-run-status")).to_contain_text("2 batches", timeout=60_000)
    for pane in ["Schedule editor", "Tree", "Samples", "Retraining settings", "Run"]:
        dash.show(pane)
    page.wait_for_timeout(500)
    warnings = [line for line in page.context.guard.console if RANGE_WARNING in line]
    assert not warnings and not unset_at_load, (f"{len(warnings)} range warnings; plots without finite ranges "
                                                f"at load: {unset_at_load}")
