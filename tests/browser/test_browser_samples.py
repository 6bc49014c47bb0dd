"""Playing the samples' animation walks the update steps and redraws the samples."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_playing_the_animation_advances_samples(dash):
    page = dash.page
    dash.show("Samples")
    expect(page.locator(".dl-samples-title")).to_contain_text("Step 0")
    first = dash.plots("dl-samples")
    assert len(first) == 12 and all(len(p["sources"][0]["value"]) == 256 for p in first)

    page.locator(".dl-player button[aria-label=Play]").click()
    dash.wait_for_text("dl-samples-title", "t => /^Step ([2-9]|1[0-9])\\b/.test(t)", timeout=30_000)
    page.locator(".dl-player button[aria-label=Pause]").click()
    step = int(page.locator(".dl-player input[type=range]").input_value())
    assert step >= 2
    later = dash.plots("dl-samples")
    assert [p["sources"][0]["value"] for p in later] != [p["sources"][0]["value"] for p in first]
    expect(page.locator(".dl-run-status")).to_contain_text("step 0 of 16")  # the stream itself did not move


def test_loading_another_built_in_redraws_every_view(dash):
    """Series, then images, then series again: each load rebuilds the grid, the tree and the editor."""
    page = dash.page
    image, series = ("image", "v => v.length === 1 && v[0].length === 64"), ("value", "v => v.length === 256")
    for name, (kind, drawn) in [("rotated_digits_replay", image), ("detector_comparison", series),
                                ("rotated_digits_replay", image)]:
        page.locator(".dl-builtin-select select").select_option(name)
        page.locator(".dl-builtin-load button").click()
        expect(page.locator(".dl-scenario-about")).to_contain_text(name, timeout=30_000)
        dash.show("Samples")
        dash.wait_for_column("dl-samples", kind, drawn, timeout=30_000)
        plots = dash.plots("dl-samples")
        assert len(plots) == 12
        if kind == "image":
            assert {p["title"] for p in plots} <= {str(d) for d in range(10)}
            assert all(len(p["sources"][0]["image"][0]) == 64 for p in plots)  # 8 x 8 digits, flat in the page
        else:
            assert all(len(p["sources"][0]["value"]) == 256 for p in plots)
        dash.show("Schedule editor")
        selected = page.locator(".dl-parameter-select select").input_value()
        dash.wait_for_title("dl-preview", f"{selected} over update steps")
        dash.show("Tree")
        expect(page.locator(".dl-tree-caption")).to_contain_text("Step 0")
    edges = dash.plots("dl-tree")[0]["sources"][0]
    assert len(edges["text"]) > 10 and not any(edges["text"])  # ten branches: probabilities on hover only
