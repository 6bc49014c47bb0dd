"""Editing a parameter's schedule redraws its preview, and Apply puts the edit in force."""
import pytest
from playwright.sync_api import expect

from dashboard_page import equals_js

pytestmark = pytest.mark.browser

ORIGINAL = [0.0] * 4 + [0.5] * 17  # background.offset over steps 0..20 in time_series_drift
EDITED = [0.0, 0.1, 0.2, 0.3] + [0.3] * 17  # the schedule typed below, held after its end


def test_editing_a_schedule_changes_the_preview(dash):
    page = dash.page
    dash.show("Schedule editor")
    assert dash.preview() == ORIGINAL
    assert dash.column("dl-preview", "committed") == ORIGINAL
    expect(page.locator(".dl-apply-edit button")).to_be_disabled()

    page.locator(".dl-schedule textarea").fill("[0.0, 0.1, 0.2, 0.3]")
    assert dash.wait_for_column("dl-preview", "value", equals_js(EDITED)) == EDITED
    assert dash.column("dl-preview", "committed") == ORIGINAL  # nothing in force yet
    expect(page.locator(".dl-edit-status")).to_contain_text("Preview: not applied yet.")

    page.locator(".dl-apply-edit button").click()
    assert dash.wait_for_column("dl-preview", "committed", equals_js(EDITED)) == EDITED
    expect(page.locator(".dl-apply-edit button")).to_be_disabled()
    expect(page.locator(".dl-error")).to_be_hidden()


def test_a_bad_schedule_is_refused_and_keeps_the_preview(dash):
    page = dash.page
    dash.show("Schedule editor")
    page.locator(".dl-schedule textarea").fill("[0.0, 0.1,")
    expect(page.locator(".dl-edit-status")).to_contain_text("Schedule")
    expect(page.locator(".dl-apply-edit button")).to_be_disabled()
    assert dash.preview() == ORIGINAL


def test_choosing_another_parameter_shows_its_timeline(dash):
    dash.select_parameter("classes.probs")
    plot = dash.plots("dl-preview")[0]
    data = next(d for d in plot["sources"] if "c0" in d)
    rows = list(zip(data["c0"], data["c1"], data["c2"], strict=False))
    assert rows[0] == (0.5, 0.25, 0.25) and rows[12] == (0.2, 0.2, 0.6)
    assert dash.schedule_text().startswith("[[0.5, 0.25, 0.25]")
