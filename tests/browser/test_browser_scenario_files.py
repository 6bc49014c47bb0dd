"""Scenario YAML: the download is the session's scenario, live edits included; uploading it rebuilds
the same scenario; a broken file shows an error and changes nothing."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from driftlab.library import SCENARIOS
from driftlab.scenario import dump_scenario, load_scenario
from dashboard_page import Dashboard

pytestmark = pytest.mark.browser

MALFORMED = Path(__file__).resolve().parents[1] / "scenarios" / "malformed"
EDIT = ("background.offset", "[0.0, 0.1, 0.2, 0.3]", {"schedule": [0.0, 0.1, 0.2, 0.3], "strategy": "hold"})
EDITED = [0.0, 0.1, 0.2, 0.3] + [0.3] * 17


def apply_edit(dash: Dashboard) -> None:
    name, text, _ = EDIT
    dash.select_parameter(name)
    dash.page.locator(".dl-schedule textarea").fill(text)
    dash.wait_for_column("dl-preview", "value", "v => v[1] === 0.1")
    dash.page.locator(".dl-apply-edit button").click()
    dash.wait_for_column("dl-preview", "committed", "v => v[1] === 0.1")


def expected_scenario():
    """What the session's scenario is after the edit: a session of its own given the same edit."""
    from driftlab.dashboard.session import Session

    twin = Session("time_series_drift")
    try:
        name, _, definition = EDIT
        assert twin.edit_parameter(name, definition), twin.error
        return twin.scenario
    finally:
        twin.close()


def test_download_then_upload_reproduces_the_scenario(new_context, open_page, tmp_path):
    first = Dashboard(open_page(new_context()))
    apply_edit(first)
    download = first.download()
    assert download.suggested_filename == "time_series_drift.yaml"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    text = path.read_text()

    loaded = load_scenario(text)
    expected = expected_scenario()
    assert dump_scenario(loaded) == dump_scenario(expected)
    assert loaded.spec == expected.spec
    assert loaded.build().tree.params["background.offset"].timeline(20) == EDITED
    assert dump_scenario(loaded) != dump_scenario(SCENARIOS["time_series_drift"]())  # the edit is in it

    # a fresh session (another context) gets the file back
    second = Dashboard(open_page(new_context()))
    second.show("Schedule editor")
    assert second.preview() != EDITED
    second.upload(path)
    second.wait_for_column("dl-preview", "committed", "v => v[1] === 0.1", timeout=30_000)
    expect(second.page.locator(".dl-error")).to_be_hidden()
    expect(second.page.locator(".dl-scenario-about")).to_contain_text("time_series_drift")
    expect(second.page.locator(".dl-run-status")).to_contain_text("idle · step 0 of 16")
    assert second.column("dl-preview", "committed") == EDITED
    assert second.schedule_text().startswith("[0.0, 0.1, 0.2, 0.3, 0.3")
    again = second.download()
    assert Path(again.path()).read_text() == text  # byte for byte the same file


def test_uploading_a_broken_file_shows_an_error_and_keeps_the_scenario(dash):
    page = dash.page
    dash.show("Schedule editor")
    before = Path(dash.download().path()).read_text()
    assert before == dump_scenario(SCENARIOS["time_series_drift"]())
    # one file YAML cannot read, one that reads but is not a valid scenario
    for broken, detail in [("04_unclosed_bracket.yaml", "04_unclosed_bracket.yaml"),
                           ("32_probs_not_summing_to_one.yaml", "probs")]:
        dash.upload(MALFORMED / broken)
        expect(page.locator(".dl-error")).to_be_visible(timeout=30_000)
        expect(page.locator(".dl-error")).to_contain_text("Could not load")
        expect(page.locator(".dl-error")).to_contain_text(detail)
        expect(page.locator(".dl-scenario-about")).to_contain_text("time_series_drift")
        expect(page.locator(".dl-run-status")).to_contain_text("idle · step 0 of 16 · 0 batches")
        assert dash.preview() == [0.0] * 4 + [0.5] * 17
        assert Path(dash.download().path()).read_text() == before, f"{broken} changed the scenario"
        page.locator(".dl-error-dismiss button").click()
        expect(page.locator(".dl-error")).to_be_hidden()
