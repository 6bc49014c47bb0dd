"""Two browser sessions are independent: what one does never shows in the other."""
import pytest
from playwright.sync_api import expect

from dashboard_page import Dashboard

pytestmark = pytest.mark.browser

ORIGINAL = [0.0] * 4 + [0.5] * 17


def test_two_contexts_are_isolated(new_context, open_page):
    a = Dashboard(open_page(new_context()))
    b = Dashboard(open_page(new_context()))

    a.show("Schedule editor")
    a.page.locator(".dl-schedule textarea").fill("[0.9]")
    a.wait_for_column("dl-preview", "value", "v => v[0] === 0.9")
    a.page.locator(".dl-apply-edit button").click()
    a.wait_for_column("dl-preview", "committed", "v => v[0] === 0.9")
    a.page.locator(".dl-builtin-select select").select_option("detector_comparison")
    a.page.locator(".dl-builtin-load button").click()
    expect(a.page.locator(".dl-scenario-about")).to_contain_text("detector_comparison")

    b.page.wait_for_timeout(1000)  # what would leak has had the time to arrive
    b.show("Schedule editor")
    expect(b.page.locator(".dl-scenario-about")).to_contain_text("time_series_drift")
    assert b.preview() == ORIGINAL and b.column("dl-preview", "committed") == ORIGINAL
    assert b.schedule_text().startswith("[0.0, 0.0, 0.0, 0.0, 0.5")

    b.page.locator(".dl-run-step button").click()
    expect(b.page.locator(".dl-run-status")).to_contain_text("1 batches", timeout=90_000)
    expect(a.page.locator(".dl-run-status")).to_contain_text("idle · step 0 of 16 · 0 batches")
    expect(a.page.locator(".dl-scenario-about")).to_contain_text("detector_comparison")
