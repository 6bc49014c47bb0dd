"""Playing the samples' animation walks the update steps and redraws the samples."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_playing_the_animation_advances_samples(dash):
    page = dash.page
    expect(page.locator(".dl-samples-title")).to_contain_text("Step 0")
    first = dash.plots("dl-samples")
    assert len(first) == 12 and all(len(p["sources"][0]["value"]) == 256 for p in first)

    page.locator(".dl-player button.play").click()
    dash.wait_for_text("dl-samples-title", "t => /^Step ([2-9]|1[0-9])\\b/.test(t)", timeout=30_000)
    page.locator(".dl-player button.pause").click()
    step = int(page.locator(".dl-player input[type=range]").input_value())
    assert step >= 2
    later = dash.plots("dl-samples")
    assert [p["sources"][0]["value"] for p in later] != [p["sources"][0]["value"] for p in first]
    expect(page.locator(".dl-run-status")).to_contain_text("step 0 of 16")  # the stream itself did not move
