"""Looking back at a past step of the run, then comparing the run with a saved one and a sweep's results."""
import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect

from panel_browser import ROOT

pytestmark = pytest.mark.browser

RANGE_WARNING = "could not set initial ranges"


# the texts under the tree's nodes (the source with a "marker" column; the edges' texts are another)
NODE_TEXTS_JS = "() => window.__dlPlots('dl-tree')[0].sources.find(d => 'marker' in d).text"


def node_texts(dash) -> list[str]:
    return dash.page.evaluate(NODE_TEXTS_JS)


def run_to_the_end(dash):
    page = dash.page
    dash.set_speed(50)
    page.locator(".dl-run-start button").click()
    expect(page.locator(".dl-run-status")).to_contain_text("finished", timeout=180_000)


def test_scrubbing_back_marks_the_step_and_redraws_samples_and_tree_then_live_follows(dash):
    page = dash.page
    run_to_the_end(dash)  # 80 batches, 5 a step: the stream ends at step 16
    handle = page.locator(".dl-scrub .noUi-handle")
    handle.focus()
    for key, step in [("Home", 0), ("ArrowRight", 1), ("ArrowRight", 2)]:  # a step at a time, as a reader would
        handle.press(key)
        expect(page.locator(".dl-samples-title")).to_contain_text(f"Step {step} (the stream is at step 16)")
    expect(page.locator(".dl-scrub-status")).to_contain_text("Showing step 2 (the run is at step 16)")
    # the band over step 2's batches (10..14) on both drift plots
    for plot in ("dl-drift-metric", "dl-drift-statistic"):
        assert dash.wait_for_column(plot, "x0", "v => v.length === 1 && v[0] === 9.5") == [9.5]
        assert dash.column(plot, "x1") == [14.5]
    expect(page.locator(".dl-samples-title")).to_contain_text("Step 2 (the stream is at step 16)")
    expect(page.locator(".dl-tree-caption")).to_contain_text("Step 2")
    # the background's offset changed at step 4 (0 -> 0.5): the tree shows the value at step 2
    dash.page.wait_for_function("() => (" + NODE_TEXTS_JS + ")().some(t => t.includes('offset=0\\n'))")
    assert any("strength=0.1" in t for t in node_texts(dash))
    expect(page.locator(".dl-run-status")).to_contain_text("finished · step 16 of 16 · 80 batches")

    page.locator(".dl-live button").click()
    expect(page.locator(".dl-scrub-status")).to_contain_text("Live")
    assert dash.wait_for_column("dl-drift-metric", "x0", "v => v.length === 0") == []
    expect(page.locator(".dl-samples-title")).to_contain_text("Step 16")
    dash.page.wait_for_function("() => (" + NODE_TEXTS_JS + ")().some(t => t.includes('offset=0.5'))")
    assert not [line for line in page.context.guard.console if RANGE_WARNING in line]


def sweep_folder(tmp_path):
    """A results folder as driftlab sweep writes it, from two real runs (seeds) of one grid point."""
    from driftlab.dashboard import Session
    from driftlab.sweep import result_rows

    rows = []
    for seed in (0, 1):
        session = Session("time_series_drift")
        for _ in range(10):
            session.step_once()
            session.join()
        rows += [{"cell": f"p0-s{seed}", "trainer.strategy": "naive", "seed": seed, **row}
                 for row in result_rows(session.experiment, session.experiment.monitor.history)]
    pd.DataFrame(rows).to_csv(tmp_path / "results.csv", index=False)
    (tmp_path / "sweep.json").write_text(json.dumps({"grid": {"trainer.strategy": ["naive"]}, "seeds": [0, 1]}))
    return tmp_path


def test_a_saved_run_is_overlaid_after_a_reset_and_a_sweep_is_compared(dash, tmp_path):
    # the served page opens sweeps from its working directory (the repository's root) only
    with tempfile.TemporaryDirectory(dir=ROOT, prefix=".sweep-test-") as folder:
        compare_with_a_saved_run_and_a_sweep(dash, Path(folder))


def compare_with_a_saved_run_and_a_sweep(dash, tmp_path):
    page = dash.page
    run_to_the_end(dash)
    page.locator(".dl-run-name input").fill("baseline")
    page.locator(".dl-save-run button").click()
    page.locator(".dl-compare-select select").select_option("baseline")  # offered once saved
    page.locator(".dl-reset button").click()
    expect(page.locator(".dl-run-status")).to_contain_text("idle", timeout=30_000)
    runs = dash.wait_for_column("dl-drift-metric", "run", "v => v.length === 80")
    assert set(runs) == {"baseline"}
    assert dash.column("dl-drift-metric", "metric") is not None
    table = page.locator(".dl-comparison")
    expect(table).to_contain_text("baseline")
    expect(table).to_contain_text("mean_accuracy")

    page.locator(".dl-sweep-folder input").fill(sweep_folder(tmp_path).name)  # relative to the root
    page.locator(".dl-open-sweep button").click()
    expect(table).to_contain_text("sweep: trainer.strategy=naive", timeout=60_000)
    page.locator(".dl-compare-select select").select_option("(none)")
    dash.wait_for_column("dl-drift-metric", "run", "v => v.length === 0")
    assert not [line for line in page.context.guard.console if RANGE_WARNING in line]
